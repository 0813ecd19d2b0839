import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { CopyButton } from '../components/copy-button.tsx';
import { Field } from '../components/field.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { pageOf, PagedTable } from '../components/paged-table.tsx';
import { Callout, Empty, InlineError } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { formatAgo, formatDateTime } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import type { ApiToken } from '../types.ts';

export function ApiTokens() {
  useTitle('API tokens');
  const tokens = useApi<{ items: ApiToken[] }>('/api/api-tokens');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useAction(async () => {
    const t = await api.post<ApiToken & { token: string }>('/api/api-tokens', { name: name.trim() });
    setCreated({ name: t.name, token: t.token });
    setName('');
    tokens.reload();
  });
  const revoke = useAction(async (t: ApiToken) => {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    await api.del(`/api/api-tokens/${t.id}`);
    toast(`Token ${t.name} revoked`);
    tokens.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void create.run();
  };

  return (
    <>
      <PageHeader title="API tokens" />
      <p className="page-intro muted">
        Scripts and other tools call the Relaydesk API with a token in the header <code>Authorization: Bearer &lt;token&gt;</code>. A token acts as you, with your role. The API is
        described at <a href="/docs">/docs</a>.
      </p>
      {created && (
        <Callout tone="ok" title={`Token "${created.name}" created.`}>
          Copy it now: it is shown only once.
          <div className="secret-row">
            <code className="secret" data-testid="new-token">{created.token}</code>
            <CopyButton text={created.token} />
            <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </Callout>
      )}
      <div className="detail-grid">
        <div className="detail-main">
          <Card title="Your tokens">
            <PagedTable
              list={pageOf(tokens)}
              empty={<Empty title="No tokens yet">Create one for each script or tool, so you can revoke them one by one.</Empty>}
              className="table table-compact"
              wrap={false}
              head={
                <>
                  <th scope="col">Name</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col"><span className="sr-only">Actions</span></th>
                </>
              }
              row={(t) => (
                <tr key={t.id} className={t.revokedAt ? 'row-muted' : ''}>
                  <td>{t.name}</td>
                  <td title={formatDateTime(t.createdAt)}>{formatAgo(t.createdAt)}</td>
                  <td>{t.lastUsedAt ? formatAgo(t.lastUsedAt) : <span className="muted">never</span>}</td>
                  <td>{t.revokedAt ? <Badge tone="gray">Revoked</Badge> : <Badge tone="green">Active</Badge>}</td>
                  <td className="row-actions">
                    {!t.revokedAt && (
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => void revoke.run(t)} disabled={revoke.busy}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              )}
            />
            <InlineError error={revoke.error} />
          </Card>
        </div>
        <aside className="detail-side">
          <Card title="Create a token">
            <form onSubmit={submit}>
              <Field label="Name" hint="What uses it, e.g. “PSA sync script”.">
                <input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required />
              </Field>
              <InlineError error={create.error} />
              <div className="form-actions">
                <button type="submit" className="btn btn-primary" disabled={create.busy || !name.trim()}>
                  Create token
                </button>
              </div>
            </form>
          </Card>
        </aside>
      </div>
    </>
  );
}
