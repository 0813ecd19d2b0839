import { useEffect, useRef, useState, type DragEvent } from 'react';
import { api, ApiError, fieldLabel } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { Empty, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { Switch } from '../components/switch.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import type { ActionType, EmailRule, RuleAction, RuleCondition } from '../mail-types.ts';
import { Link } from '../router.tsx';
import { useSession } from '../session.tsx';

const OP: Record<string, string> = { equals: 'is', contains: 'contains', regex: 'matches' };

export function conditionText(c: RuleCondition, mailboxName?: (id: number) => string) {
  if (c.field === 'mailbox') return `mailbox is ${mailboxName?.(Number(c.value)) ?? `#${c.value}`}`;
  return `${c.field} ${OP[c.operator] ?? c.operator} “${c.value}”`;
}

/** "Condition 1 (value): no mailbox 5; …": what a rule names that is gone. */
export function problemsText(rule: Pick<EmailRule, 'problems'>) {
  return (rule.problems ?? []).map((p) => `${fieldLabel(p.field)}: ${p.message}`).join('; ');
}

export function actionText(a: RuleAction, types: ActionType[] = []) {
  return types.find((t) => t.type === a.type)?.label ?? a.type;
}

function move<T>(list: T[], from: number, to: number): T[] {
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item!);
  return next;
}

export function EmailRules() {
  // Agents read the rules (why did this mail do that?); only administrators change them.
  const { isAdmin } = useSession();
  useTitle('Email rules');
  const rules = useApi<{ items: EmailRule[] }>('/api/email-rules');
  const types = useApi<{ items: ActionType[] }>('/api/email-rules/action-types');
  const mailboxes = useApi<{ items: Array<{ id: number; name: string }> }>('/api/mailboxes');
  const [dragging, setDragging] = useState<number | null>(null);
  const [over, setOver] = useState<number | null>(null);
  const items = [...(rules.data?.items ?? [])].sort((a, b) => a.position - b.position);
  const mailboxName = (id: number) => mailboxes.data?.items.find((m) => m.id === id)?.name ?? `#${id}`;

  // One message at a time: a change made after a failed one clears the failure's message.
  const reorder = useAction(async (next: EmailRule[], moved: EmailRule) => {
    toggle.clearError();
    rules.setData({ items: next.map((r, i) => ({ ...r, position: i + 1 })) });
    try {
      const r = await api.post<{ items: EmailRule[] }>('/api/email-rules/reorder', { ids: next.map((x) => x.id) });
      rules.setData(r);
      toast(`“${moved.name}” is now rule ${next.indexOf(moved) + 1}`);
    } catch (err) {
      rules.reload();
      // The order sent must list every rule: one was added or deleted since this list was read.
      if (err instanceof ApiError && err.code === 'invalid_order') {
        throw new Error(`“${moved.name}” was not moved: rules were added or deleted meanwhile. The list now shows the current rules; move it again.`);
      }
      throw err;
    }
  });
  const toggle = useAction(async (rule: EmailRule, enabled: boolean) => {
    reorder.clearError();
    const updated = await api.patch<EmailRule>(`/api/email-rules/${rule.id}`, { enabled });
    rules.setData({ items: items.map((r) => (r.id === rule.id ? updated : r)) });
    toast(`“${rule.name}” ${enabled ? 'enabled' : 'disabled'}`);
  });

  // The arrow used keeps the focus while its rule moves (the list re-renders and may move its element),
  // or the other arrow takes it when the rule reaches the top or the bottom.
  const list = useRef<HTMLOListElement>(null);
  const refocus = useRef<{ id: number; dir: 'up' | 'down' } | null>(null);
  useEffect(() => {
    const f = refocus.current;
    if (!f) return;
    const button = (dir: string) => list.current?.querySelector<HTMLButtonElement>(`[data-move="${f.id}-${dir}"]`);
    const target = button(f.dir)?.disabled ? button(f.dir === 'up' ? 'down' : 'up') : button(f.dir);
    if (target && document.activeElement !== target) target.focus();
    if (!reorder.busy) refocus.current = null;
  });

  const shift = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= items.length || reorder.busy) return;
    refocus.current = { id: items[i]!.id, dir: by < 0 ? 'up' : 'down' };
    void reorder.run(move(items, i, j), items[i]!);
  };
  const onDrop = (e: DragEvent, to: number) => {
    e.preventDefault();
    if (dragging !== null && dragging !== to) void reorder.run(move(items, dragging, to), items[dragging]!);
    setDragging(null);
    setOver(null);
  };

  return (
    <>
      <PageHeader
        title="Email rules"
        actions={
          isAdmin && (
            <Link to="/config/email/rules/new" className="btn btn-primary">
              New rule
            </Link>
          )
        }
      />
      <p className="page-intro muted">
        Each received e-mail runs through the enabled rules from the top; the first rule whose conditions match decides what happens.
        {isAdmin ? ' Drag a rule, or use the arrows, to change the order.' : ' Administrators change them.'} A message no rule matches creates a ticket of the default type. Machine-sent mail (Auto-Submitted, Precedence: bulk) is ignored unless the rule it
        matches accepts automated mail.
      </p>
      {rules.error && <ErrorBox error={rules.error} onRetry={rules.reload} title="Could not load the email rules" />}
      {rules.loading && !rules.data && <Loading />}
      {rules.data && items.length === 0 && <Empty title="No email rules yet">Rules decide what an incoming message does: create a ticket, add to one, or ignore it.</Empty>}
      <InlineError error={reorder.error ?? toggle.error} />
      {items.length > 0 && (
        <ol className="rule-list" aria-label="Email rules in order" ref={list}>
          {items.map((r, i) => (
            <li
              key={r.id}
              className={`rule ${r.enabled ? '' : 'rule-disabled'} ${over === i && dragging !== i ? 'rule-drop' : ''} ${dragging === i ? 'rule-dragging' : ''}`}
              draggable={isAdmin}
              onDragStart={(e) => {
                setDragging(i);
                e.dataTransfer.effectAllowed = 'move';
                e.dataTransfer.setData('text/plain', String(r.id));
              }}
              onDragOver={(e) => {
                e.preventDefault();
                setOver(i);
              }}
              onDragEnd={() => {
                setDragging(null);
                setOver(null);
              }}
              onDrop={(e) => onDrop(e, i)}
              data-testid="rule-row"
            >
              {isAdmin && (
                <span className="drag-handle" aria-hidden="true" title="Drag to reorder">
                  ⋮⋮
                </span>
              )}
              <span className="rule-pos">{i + 1}</span>
              <div className="rule-main">
                <div className="rule-title">
                  {isAdmin ? <Link to={`/config/email/rules/${r.id}`}>{r.name}</Link> : <strong>{r.name}</strong>}
                  {r.systemKey && <Badge tone="purple" title={`Managed with the integration (${r.systemKey}); you can still edit it`}>Integration</Badge>}
                  {r.acceptAutomated && <Badge tone="blue" title="Also acts on machine-sent mail (Auto-Submitted, Precedence: bulk/junk/list)">Automated mail</Badge>}
                  {!r.enabled && <Badge tone="gray">Disabled</Badge>}
                  {r.problems?.length > 0 && <Badge tone="red" title={problemsText(r)}>Names something deleted</Badge>}
                </div>
                <div className="rule-summary muted small">
                  {r.conditions.length ? `If ${r.match === 'all' ? 'all' : 'any'} of: ${r.conditions.map((c) => conditionText(c, mailboxName)).join('; ')}` : 'Every message'}
                  {' → '}
                  {r.actions.map((a) => actionText(a, types.data?.items)).join(', ')}
                </div>
                {r.problems?.length > 0 && (
                  <div className="small text-danger" data-testid="rule-problems">
                    {problemsText(r)}: this rule cannot match or act as saved; edit it or delete it.
                  </div>
                )}
              </div>
              {isAdmin && (
                <div className="rule-controls">
                  {/* While a change is saved the controls ignore clicks but stay focusable (disabled would drop the focus). */}
                  <Switch label={`${r.name} enabled`} checked={r.enabled} onChange={(v) => void toggle.run(r, v)} busy={toggle.busy} />
                  <button type="button" className="btn btn-icon" onClick={() => shift(i, -1)} disabled={i === 0} aria-disabled={reorder.busy || undefined} data-move={`${r.id}-up`} aria-label={`Move ${r.name} up`}>
                    ↑
                  </button>
                  <button type="button" className="btn btn-icon" onClick={() => shift(i, 1)} disabled={i === items.length - 1} aria-disabled={reorder.busy || undefined} data-move={`${r.id}-down`} aria-label={`Move ${r.name} down`}>
                    ↓
                  </button>
                  <Link to={`/config/email/rules/${r.id}`} className="btn btn-small">
                    Edit
                  </Link>
                </div>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
