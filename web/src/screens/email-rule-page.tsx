import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type FieldLabels } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { Checkbox, Field } from '../components/field.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { CustomerSelect, PrioritySelect, SiteSelect, TicketTypeSelect } from '../components/pickers.tsx';
import { Callout, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import type { ActionType, ConditionField, ConditionOperator, EmailRule, Mailbox, RuleAction, RuleCondition } from '../mail-types.ts';
import { Link, navigate, useLeaveWarning } from '../router.tsx';
import { problemsText } from './email-rules.tsx';

const FIELDS: Array<[ConditionField, string]> = [
  ['from', 'From'],
  ['to', 'To or Cc'],
  ['cc', 'Cc'],
  ['subject', 'Subject'],
  ['body', 'Body'],
  ['mailbox', 'Mailbox'],
];
const OPERATORS: Array<[ConditionOperator, string]> = [
  ['contains', 'contains'],
  ['equals', 'is'],
  ['regex', 'matches regex'],
];
const CORE_ACTIONS: ActionType[] = [
  { type: 'create-ticket', label: 'Create a ticket' },
  { type: 'add-to-ticket', label: 'Add to an existing ticket' },
  { type: 'ignore', label: 'Ignore' },
];

type Draft = { name: string; enabled: boolean; match: 'all' | 'any'; conditions: RuleCondition[]; actions: RuleAction[]; acceptAutomated: boolean };
const emptyDraft = (): Draft => ({
  name: '', enabled: true, match: 'all', conditions: [{ field: 'subject', operator: 'contains', value: '' }], actions: [{ type: 'create-ticket', params: {} }], acceptAutomated: false,
});
const draftOf = (r: EmailRule): Draft => ({ name: r.name, enabled: r.enabled, match: r.match, conditions: r.conditions, actions: r.actions, acceptAutomated: r.acceptAutomated });

/** The form's names for the request's field paths, for its error messages ("Action 1 (Group by subject): …"). */
const LABELS: FieldLabels = {
  params: '', ticketTypeId: 'Ticket type', priority: 'Priority', customerId: 'Customer', siteId: 'Site', groupBySubject: 'Group by subject',
  ticketId: 'Ticket id', reason: 'Reason', type: 'type', name: 'Name',
};

/** errors: the refused save's messages by field path ("actions.0.params.groupBySubject"). */
type ParamsProps = { params: Record<string, unknown>; onChange(p: Record<string, unknown>): void; index: number; errors: Record<string, string> };

const optNum = (v: unknown) => (typeof v === 'number' ? v : null);
/** "Datto RMM alert (one ticket per alert, linked to Datto)" → the name for the menu and the explanation beside it. */
function splitLabel(label: string): [string, string | null] {
  const m = /^(.+?) \((.+)\)$/.exec(label);
  return m ? [m[1]!, m[2]!.replace(/^./, (c) => c.toUpperCase())] : [label, null];
}

function withParam(params: Record<string, unknown>, key: string, value: unknown) {
  const next = { ...params };
  if (value === null || value === undefined || value === '') delete next[key];
  else next[key] = value;
  return next;
}

function CreateTicketParams({ params, onChange, index, errors }: ParamsProps) {
  const set = (k: string, v: unknown) => onChange(withParam(params, k, v));
  const error = (k: string) => errors[`actions.${index}.params.${k}`];
  return (
    <div className="form-grid">
      <Field label="Ticket type" error={error('ticketTypeId')}>
        <TicketTypeSelect value={optNum(params.ticketTypeId)} onChange={(v) => set('ticketTypeId', v)} allowNone noneLabel="— The default type —" />
      </Field>
      <Field label="Priority" error={error('priority')}>
        <PrioritySelect value={optNum(params.priority) ?? null} onChange={(v) => set('priority', v)} noneLabel="— Default —" />
      </Field>
      <Field label="Customer" error={error('customerId')}>
        <CustomerSelect value={optNum(params.customerId)} onChange={(v) => onChange(withParam(withParam(params, 'customerId', v), 'siteId', null))} noneLabel="— From the sender —" />
      </Field>
      <Field label="Site" error={error('siteId')}>
        <SiteSelect customerId={optNum(params.customerId)} value={optNum(params.siteId)} onChange={(v) => set('siteId', v)} disabled={!params.customerId} noneLabel="— Main site —" />
      </Field>
      <Field label="Group by subject (regex)" hint={'One capture group: mails with the same captured key go to the same open ticket, e.g. Alert\\{([0-9a-f-]+)\\}'} className="span-2" error={error('groupBySubject')}>
        <input id={`group-${index}`} value={String(params.groupBySubject ?? '')} onChange={(e) => set('groupBySubject', e.target.value)} spellCheck={false} className="mono" />
      </Field>
    </div>
  );
}

function JsonParams({ params, onChange, index }: ParamsProps) {
  const [text, setText] = useState(() => JSON.stringify(params, null, 2));
  const [error, setError] = useState<string | null>(null);
  return (
    <Field label="Parameters (JSON)" error={error} hint="The options this action takes, as a JSON object.">
      <textarea
        id={`params-${index}`}
        className="mono"
        rows={Math.min(10, Math.max(3, text.split('\n').length))}
        value={text}
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const v = JSON.parse(e.target.value || '{}');
            if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('Write a JSON object, e.g. {}');
            setError(null);
            e.target.setCustomValidity('');
            onChange(v);
          } catch (err) {
            // The form is not sent while this is wrong: the last valid parameters must not be saved silently.
            const message = `Not valid JSON: ${(err as Error).message}`;
            setError(message);
            e.target.setCustomValidity(message);
          }
        }}
      />
    </Field>
  );
}

function ActionParams(props: ParamsProps & { type: string; takesParams: boolean }) {
  if (!props.takesParams) return <p className="muted small">This action has no options: it works from the mail and its module's settings.</p>;
  switch (props.type) {
    case 'create-ticket':
      return <CreateTicketParams {...props} />;
    case 'add-to-ticket':
      return (
        <Field label="Ticket id" error={props.errors[`actions.${props.index}.params.ticketId`]}>
          <input type="number" min={1} value={optNum(props.params.ticketId) ?? ''} onChange={(e) => props.onChange(withParam(props.params, 'ticketId', e.target.value ? Number(e.target.value) : null))} required />
        </Field>
      );
    case 'ignore':
      return (
        <Field label="Reason" hint="Shown in the inbox trace." error={props.errors[`actions.${props.index}.params.reason`]}>
          <input value={String(props.params.reason ?? '')} onChange={(e) => props.onChange(withParam(props.params, 'reason', e.target.value))} />
        </Field>
      );
    default:
      return <JsonParams key={props.type} {...props} />;
  }
}

function ConditionRow({ c, mailboxes, onChange, onRemove, index, invalid }: { c: RuleCondition; mailboxes: Mailbox[] | undefined; onChange(c: RuleCondition): void; onRemove(): void; index: number; invalid: boolean }) {
  // A mailbox deleted since the rule was saved is shown as such, chosen, rather than as the first mailbox of the list.
  const gone = c.field === 'mailbox' && mailboxes !== undefined && !mailboxes.some((m) => m.id === Number(c.value));
  return (
    <li className="condition" data-testid="condition-row">
      <label className="sr-only" htmlFor={`cf-${index}`}>Field of condition {index + 1}</label>
      <select id={`cf-${index}`} value={c.field} onChange={(e) => {
        const field = e.target.value as ConditionField;
        onChange(field === 'mailbox' ? { field, operator: 'equals', value: mailboxes?.[0]?.id ?? 0 } : { field, operator: c.field === 'mailbox' ? 'contains' : c.operator, value: c.field === 'mailbox' ? '' : c.value });
      }}>
        {FIELDS.map(([f, label]) => (
          <option key={f} value={f}>
            {label}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor={`co-${index}`}>Operator of condition {index + 1}</label>
      <select id={`co-${index}`} value={c.operator} onChange={(e) => onChange({ ...c, operator: e.target.value as ConditionOperator })} disabled={c.field === 'mailbox'}>
        {(c.field === 'mailbox' ? OPERATORS.filter(([o]) => o === 'equals') : OPERATORS).map(([o, label]) => (
          <option key={o} value={o}>
            {label}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor={`cv-${index}`}>Value of condition {index + 1}</label>
      {c.field === 'mailbox' ? (
        <select id={`cv-${index}`} aria-invalid={invalid || gone || undefined} value={String(c.value)} onChange={(e) => onChange({ ...c, value: Number(e.target.value) })}>
          {!mailboxes && <option value={String(c.value)}>Loading…</option>}
          {gone && <option value={String(c.value)}>{Number(c.value) > 0 ? `(deleted mailbox #${c.value})` : 'No mailboxes'}</option>}
          {mailboxes?.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
            </option>
          ))}
        </select>
      ) : (
        <input id={`cv-${index}`} aria-invalid={invalid || undefined} value={String(c.value)} onChange={(e) => onChange({ ...c, value: e.target.value })} required className={c.operator === 'regex' ? 'mono' : ''} spellCheck={false} />
      )}
      <button type="button" className="btn btn-icon" onClick={onRemove} aria-label={`Remove condition ${index + 1}`}>
        ×
      </button>
    </li>
  );
}

export function EmailRulePage({ id }: { id: number | null }) {
  const rule = useApi<EmailRule>(id ? `/api/email-rules/${id}` : null);
  const types = useApi<{ items: ActionType[] }>('/api/email-rules/action-types');
  const mailboxes = useApi<{ items: Mailbox[] }>('/api/mailboxes');
  // The rule's place in the order, as the rules list counts it (positions are a sort key, with gaps and below 1).
  const all = useApi<{ items: EmailRule[] }>(id ? '/api/email-rules' : null);
  const ordered = [...(all.data?.items ?? [])].sort((a, b) => a.position - b.position);
  const place = ordered.findIndex((r) => r.id === id) + 1;
  const [draft, setDraft] = useState<Draft | null>(id ? null : emptyDraft());
  const [fields, setFields] = useState<Record<string, string>>({});
  useTitle(id ? rule.data?.name ?? 'Email rule' : 'New email rule');
  useEffect(() => {
    if (rule.data) setDraft(draftOf(rule.data));
  }, [rule.data]);

  const actionTypes = types.data?.items?.length ? types.data.items : CORE_ACTIONS;
  const save = useAction(async () => {
    setFields({});
    try {
      const body = { ...draft!, name: draft!.name.trim() };
      const saved = id ? await api.put<EmailRule>(`/api/email-rules/${id}`, body) : await api.post<EmailRule>('/api/email-rules', body);
      toast(`Rule “${saved.name}” saved`);
      if (id) rule.setData(saved);
      else navigate('/config/email/rules', { replace: true });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      setFields(err.fieldErrors(LABELS));
      throw err.withLabels(LABELS);
    }
  });
  const baseline = id ? (rule.data ? draftOf(rule.data) : null) : emptyDraft();
  useLeaveWarning(!!draft && !!baseline && JSON.stringify(draft) !== JSON.stringify(baseline) && !save.busy);
  const remove = useAction(async () => {
    const r = rule.data!;
    const system = !!r.systemKey;
    if (!window.confirm(system ? `“${r.name}” belongs to an integration. Deleting it stops that integration from making tickets from e-mail until its e-mail settings are changed. Delete anyway?` : `Delete the rule “${r.name}”?`)) return;
    await api.del(`/api/email-rules/${r.id}${system ? '?force=true' : ''}`);
    toast(`Rule “${r.name}” deleted`);
    navigate('/config/email/rules', { replace: true, force: true });
  });

  if (rule.error) {
    return (
      <>
        <PageHeader title="Email rule" crumbs={[{ label: 'Email rules', to: '/config/email/rules' }]} />
        <ErrorBox error={rule.error} onRetry={rule.reload} title={rule.error instanceof ApiError && rule.error.status === 404 ? 'This rule does not exist' : 'Could not load the rule'} />
      </>
    );
  }
  if (!draft) return <Loading label="Loading rule…" />;
  const set = (patch: Partial<Draft>) => setDraft({ ...draft, ...patch });
  const setCondition = (i: number, c: RuleCondition) => set({ conditions: draft.conditions.map((x, j) => (j === i ? c : x)) });
  const setAction = (i: number, a: RuleAction) => set({ actions: draft.actions.map((x, j) => (j === i ? a : x)) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };

  return (
    <>
      <PageHeader
        title={id ? draft.name || 'Email rule' : 'New email rule'}
        crumbs={[{ label: 'Email rules', to: '/config/email/rules' }]}
        actions={
          id && (
            <button type="button" className="btn btn-danger-ghost" onClick={() => void remove.run()} disabled={remove.busy}>
              Delete rule
            </button>
          )
        }
      >
        {rule.data && (rule.data.systemKey || place > 0) && (
          <div className="header-meta">
            {rule.data.systemKey && <Badge tone="purple">Integration rule</Badge>}
            {place > 0 && <span className="muted small">Rule {place} of {ordered.length} in the order</span>}
          </div>
        )}
      </PageHeader>
      <form onSubmit={submit} className="form-page">
        {rule.data && rule.data.problems?.length > 0 && (
          <Callout tone="danger" title="This rule names something that was deleted.">
            {problemsText(rule.data)}. Until that is changed, the condition matches no mail (or the action cannot run).
          </Callout>
        )}
        {rule.data?.systemKey === 'datto-rmm-alerts' && (
          <Callout tone="info">
            This rule turns Datto RMM alert e-mails into alert tickets. Saving the Datto RMM <Link to="/config/integrations/datto-rmm#datto-alerting">Alerting settings</Link> updates
            its mailbox and From Address conditions while they still say what the settings wrote; a condition you change stays as you made it. Otherwise change it like any other rule.
          </Callout>
        )}
        <InlineError error={remove.error} />
        <Card>
          <div className="form-grid">
            <Field label="Name" error={fields.name}>
              <input value={draft.name} onChange={(e) => set({ name: e.target.value })} required autoFocus={!id} />
            </Field>
            <div className="field field-switch">
              <Checkbox label="Enabled" checked={draft.enabled} onChange={(v) => set({ enabled: v })} />
            </div>
          </div>
        </Card>
        <Card title="Conditions">
          <fieldset className="radio-group radio-inline">
            <legend>A message matches when</legend>
            <label className="radio">
              <input type="radio" name="match" checked={draft.match === 'all'} onChange={() => set({ match: 'all' })} /> all conditions are true
            </label>
            <label className="radio">
              <input type="radio" name="match" checked={draft.match === 'any'} onChange={() => set({ match: 'any' })} /> any condition is true
            </label>
          </fieldset>
          {draft.conditions.length === 0 && <p className="muted">No conditions: the rule matches every message.</p>}
          <ol className="condition-list">
            {draft.conditions.map((c, i) => (
              <ConditionRow key={i} index={i} invalid={!!fields[`conditions.${i}.value`]} c={c} mailboxes={mailboxes.data?.items} onChange={(next) => setCondition(i, next)} onRemove={() => set({ conditions: draft.conditions.filter((_, j) => j !== i) })} />
            ))}
          </ol>
          {fields.conditions && <div className="field-error">{fields.conditions}</div>}
          <button type="button" className="btn btn-small" onClick={() => set({ conditions: [...draft.conditions, { field: 'subject', operator: 'contains', value: '' }] })} disabled={draft.conditions.length >= 20}>
            Add condition
          </button>
          <p className="muted small">Text comparisons ignore case. “To or Cc” matches any recipient.</p>
          <Checkbox
            label="Accept automated mail (Auto-Submitted / Precedence: bulk)"
            checked={draft.acceptAutomated}
            onChange={(v) => set({ acceptAutomated: v })}
            hint="Mail a machine sent on its own, such as monitoring alerts or newsletters, is ignored unless the rule it matches accepts it. Bounces and out-of-office replies are always ignored."
          />
        </Card>
        <Card title="Actions">
          <ol className="action-list">
            {draft.actions.map((a, i) => (
              <li key={i} className="action" data-testid="action-row">
                <div className="action-head">
                  <label htmlFor={`at-${i}`}>Action {i + 1}</label>
                  <select id={`at-${i}`} value={a.type} onChange={(e) => setAction(i, { type: e.target.value, params: {} })}>
                    {!actionTypes.some((t) => t.type === a.type) && <option value={a.type}>{a.type}</option>}
                    {actionTypes.map((t) => (
                      <option key={t.type} value={t.type} title={t.label}>
                        {splitLabel(t.label)[0]}
                      </option>
                    ))}
                  </select>
                  {draft.actions.length > 1 && (
                    <button type="button" className="btn btn-icon" onClick={() => set({ actions: draft.actions.filter((_, j) => j !== i) })} aria-label={`Remove action ${i + 1}`}>
                      ×
                    </button>
                  )}
                </div>
                {splitLabel(actionTypes.find((t) => t.type === a.type)?.label ?? '')[1] && (
                  <p className="field-hint action-hint">{splitLabel(actionTypes.find((t) => t.type === a.type)!.label)[1]}.</p>
                )}
                <ActionParams type={a.type} takesParams={actionTypes.find((t) => t.type === a.type)?.takesParams !== false} index={i} errors={fields} params={a.params ?? {}} onChange={(params) => setAction(i, { ...a, params })} />
              </li>
            ))}
          </ol>
          {fields.actions && <div className="field-error">{fields.actions}</div>}
          <button type="button" className="btn btn-small" onClick={() => set({ actions: [...draft.actions, { type: 'create-ticket', params: {} }] })} disabled={draft.actions.length >= 5}>
            Add action
          </button>
        </Card>
        <div className="form-actions sticky-actions">
          <button type="submit" className="btn btn-primary" disabled={save.busy}>
            {save.busy ? 'Saving…' : id ? 'Save rule' : 'Create rule'}
          </button>
          <button type="button" className="btn" onClick={() => navigate('/config/email/rules')}>
            Cancel
          </button>
          {/* Beside the button, so a refused save is seen wherever the page is scrolled. */}
          <InlineError error={save.error} />
        </div>
      </form>
    </>
  );
}
