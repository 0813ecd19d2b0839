import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { Field } from '../components/field.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { LoadMoreButton, PagedTable } from '../components/paged-table.tsx';
import { Empty, InlineError } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { formatShort } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import { usePaged } from '../hooks/use-paged.ts';
import { useSession } from '../session.tsx';
import type { Agent, Role } from '../types.ts';
import { SubmitActions } from '../components/submit-button.tsx';

function AddAgentForm({ onAdded }: { onAdded(): void }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [fields, setFields] = useState<Record<string, string>>({});
  const add = useAction(async () => {
    setFields({});
    try {
      await api.post<Agent>('/api/agents', { name: name.trim(), email: email.trim(), password, role });
    } catch (err) {
      if (err instanceof ApiError) setFields(err.fieldErrors());
      throw err;
    }
    toast(`${name.trim()} can now sign in`);
    setName('');
    setEmail('');
    setPassword('');
    setRole('agent');
    onAdded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.run();
  };
  return (
    <form onSubmit={submit}>
      <div className="form-grid form-grid-end">
      <Field label="Name" error={fields.name}>
        <input value={name} onChange={(e) => setName(e.target.value)} required autoComplete="off" />
      </Field>
      <Field label="E-mail" error={fields.email}>
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="off" />
      </Field>
      <Field label="Initial password" hint="At least 8 characters. The agent can change it under Your account." error={fields.password}>
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} autoComplete="new-password" />
      </Field>
      <Field label="Role">
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="agent">Agent: works tickets</option>
          <option value="admin">Administrator: also configures Relaydesk</option>
        </select>
      </Field>
      </div>
      <InlineError error={add.error} />
      <SubmitActions busy={add.busy} busyLabel="Adding…">Add agent</SubmitActions>
    </form>
  );
}

function AgentRow({ agent, admin, self, onChanged }: { agent: Agent; admin: boolean; self: boolean; onChanged(a: Agent): void }) {
  const [pw, setPw] = useState<string | null>(null);
  const update = useAction(async (patch: Partial<Agent> & { password?: string }, message: string) => {
    onChanged(await api.patch<Agent>(`/api/agents/${agent.id}`, patch));
    setPw(null);
    toast(message);
  });
  return (
    <tr className={agent.active ? '' : 'row-muted'}>
      <td>
        {agent.name} {self && <span className="muted small">(you)</span>}
      </td>
      <td>{agent.email}</td>
      <td>{agent.role === 'admin' ? <Badge tone="blue">Administrator</Badge> : 'Agent'}</td>
      <td>{agent.active ? <Badge tone="green">Active</Badge> : <Badge tone="gray">Deactivated</Badge>}</td>
      <td className="col-optional muted">{formatShort(agent.createdAt)}</td>
      {admin && (
        <td className="row-actions">
          {pw === null ? (
            <>
              {!self && (
                <button type="button" className="btn btn-small" disabled={update.busy} onClick={() => void update.run({ role: agent.role === 'admin' ? 'agent' : 'admin' }, 'Role changed')}>
                  {agent.role === 'admin' ? 'Make agent' : 'Make admin'}
                </button>
              )}
              {!self && (
                <button type="button" className="btn btn-small" disabled={update.busy} onClick={() => void update.run({ active: !agent.active }, agent.active ? 'Agent deactivated' : 'Agent reactivated')}>
                  {agent.active ? 'Deactivate' : 'Reactivate'}
                </button>
              )}
              <button type="button" className="btn btn-small" onClick={() => setPw('')}>
                Set password
              </button>
            </>
          ) : (
            <form
              className="row-form"
              onSubmit={(e) => {
                e.preventDefault();
                void update.run({ password: pw }, 'Password changed');
              }}
            >
              <label className="sr-only" htmlFor={`pw-${agent.id}`}>
                New password for {agent.name}
              </label>
              <input id={`pw-${agent.id}`} type="password" minLength={8} required value={pw} onChange={(e) => setPw(e.target.value)} autoFocus autoComplete="new-password" placeholder="New password" />
              <button type="submit" className="btn btn-small btn-primary" disabled={update.busy}>
                Save
              </button>
              <button type="button" className="btn btn-small" onClick={() => setPw(null)}>
                Cancel
              </button>
            </form>
          )}
          <InlineError error={update.error} />
        </td>
      )}
    </tr>
  );
}

export function Agents() {
  useTitle('Agents');
  const { me, isAdmin } = useSession();
  const list = usePaged<Agent>('/api/agents', {}, 200);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHeader
        title="Agents"
        actions={
          isAdmin &&
          !adding && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              New agent
            </button>
          )
        }
      />
      {adding && (
        <Card title="Add an agent" actions={<button type="button" className="btn btn-small" onClick={() => setAdding(false)}>Close</button>}>
          <AddAgentForm onAdded={list.reload} />
        </Card>
      )}
      <PagedTable
        list={list}
        empty={<Empty title="No agents" />}
        head={
          <>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col" className="col-optional">Added</th>
            {isAdmin && <th scope="col"><span className="sr-only">Actions</span></th>}
          </>
        }
        row={(a) => <AgentRow key={a.id} agent={a} admin={isAdmin} self={a.id === me.id} onChanged={(next) => list.replace((items) => items.map((x) => (x.id === next.id ? next : x)))} />}
        footer={
          list.hasMore && (
            <div className="list-footer">
              <LoadMoreButton list={list} />
            </div>
          )
        }
      />
    </>
  );
}
