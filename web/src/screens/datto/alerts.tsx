import { Fragment, useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { Badge, type Tone } from '../../components/badges.tsx';
import { RetryResolveButton } from '../../components/datto-alert-panel.tsx';
import { Card } from '../../components/page.tsx';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { LoadMoreButton, PagedTable } from '../../components/paged-table.tsx';
import { Empty, ErrorBox, InlineError, Loading } from '../../components/states.tsx';
import { toast } from '../../components/toasts.tsx';
import type { AlertCounters, DattoAlert, WebhookDelivery } from '../../datto-types.ts';
import { formatAgo, formatDateTime } from '../../format.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useApi } from '../../hooks/use-api.ts';
import { useJob } from '../../hooks/use-job.ts';
import { usePaged } from '../../hooks/use-paged.ts';
import { Link } from '../../router.tsx';
import type { Job } from '../../types.ts';

const BASE = '/api/integrations/datto-rmm';
const RESOLVE_TONE: Record<DattoAlert['resolveState'], Tone> = { none: 'gray', pending: 'blue', done: 'green', failed: 'red' };
const DELIVERY_TONE: Record<WebhookDelivery['state'], Tone> = { received: 'blue', processed: 'green', ignored: 'gray', failed: 'red' };

type View = 'all' | 'failed' | 'held' | 'unmapped' | 'webhooks';

/** The result of a reconcile job (src/integrations/datto-rmm/alerts/reconcile.job.ts). */
type ReconcileResult = { openInDatto?: number; ticketed?: number; resolved?: number; vanished?: number; olderThanLookback?: number; skipped?: string };

/** "10 open in Datto: 0 new tickets, 9 older than the 24 h look-back, 0 resolved". */
export function reconcileSummary(r: ReconcileResult | null | undefined, lookbackHours: number): string {
  if (!r) return 'Open alerts compared with Datto RMM';
  if (r.skipped) return `Not compared: ${r.skipped}`;
  const parts = [
    `${r.ticketed ?? 0} new ${r.ticketed === 1 ? 'ticket' : 'tickets'}`,
    `${r.olderThanLookback ?? 0} older than the ${lookbackHours} h look-back`,
    `${r.resolved ?? 0} resolved`,
    ...(r.vanished ? [`${r.vanished} no longer known to Datto`] : []),
  ];
  return `${r.openInDatto ?? 0} open in Datto: ${parts.join(', ')}`;
}

function Reconcile({ onDone, lookbackHours }: { onDone(): void; lookbackHours: number }) {
  const [jobId, setJobId] = useState<number | null>(null);
  const { job, running } = useJob(jobId);
  const start = useAction(async () => setJobId((await api.post<Job>(`${BASE}/reconcile`)).id));
  const finished = job?.state === 'done' ? job.id : null;
  const summary = job?.state === 'done' ? reconcileSummary(job.result as ReconcileResult | null, lookbackHours) : null;
  useEffect(() => {
    if (finished === null) return;
    toast(summary!);
    onDone();
    // Runs once per finished job; onDone changes on every render.
  }, [finished]);
  return (
    <span className="inline-actions">
      {running && job && <ProgressBar done={job.progress.done} total={job.progress.total} label="Reconciliation progress" />}
      <button type="button" className="btn btn-small" onClick={() => void start.run()} disabled={start.busy || running} title="Compare open alerts in Datto RMM with Relaydesk now">
        {running ? 'Reconciling…' : 'Reconcile now'}
      </button>
      {job?.state === 'failed' && <span className="text-danger small">{job.error}</span>}
      {summary && <span className="small" data-testid="reconcile-result">{summary}</span>}
      <InlineError error={start.error} />
    </span>
  );
}

function Deliveries() {
  const list = usePaged<WebhookDelivery>(`${BASE}/webhook-deliveries`, {}, 25);
  const [open, setOpen] = useState<number | null>(null);
  const replay = useAction(async (d: WebhookDelivery) => {
    await api.post(`${BASE}/webhook-deliveries/${d.id}/replay`);
    toast(`Webhook delivery ${d.id} queued again`);
    list.reload();
  });
  if (list.error) return <ErrorBox error={list.error} onRetry={list.reload} title="Could not load webhook deliveries" />;
  if (list.loading && !list.items.length) return <Loading />;
  if (!list.items.length) return <Empty title="No webhook deliveries yet">Paste the webhook URL from Alerting into Datto RMM to receive alerts in real time.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table table-compact">
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">State</th>
            <th scope="col">Alert</th>
            <th scope="col">Ticket</th>
            <th scope="col">Reason</th>
            <th scope="col"><span className="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((d) => (
            <Fragment key={d.id}>
              <tr>
                <td className="nowrap" title={formatDateTime(d.receivedAt)}>{formatAgo(d.receivedAt)}</td>
                <td><Badge tone={DELIVERY_TONE[d.state]}>{d.state}</Badge></td>
                <td className="mono small cell-clip">{d.alertUid ?? '—'}</td>
                <td>{d.ticketId ? <Link to={`/tickets/${d.ticketId}`}>Ticket {d.ticketId}</Link> : '—'}</td>
                <td className="cell-clip" title={d.reason ?? undefined}>{d.reason ?? ''}</td>
                <td className="row-actions">
                  <button type="button" className="btn btn-small" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                    {open === d.id ? 'Hide body' : 'Body'}
                  </button>
                  {(d.state === 'failed' || d.state === 'ignored') && (
                    <button type="button" className="btn btn-small" onClick={() => void replay.run(d)} disabled={replay.busy}>
                      Replay
                    </button>
                  )}
                </td>
              </tr>
              {open === d.id && (
                <tr className="row-detail">
                  <td colSpan={6}>
                    <pre className="pre-box">{d.body}</pre>
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
        </tbody>
      </table>
      <InlineError error={replay.error} />
    </div>
  );
}

const EMPTY: Record<View, string> = {
  all: 'No alerts received yet', failed: 'No failed resolves', held: 'No held alerts',
  unmapped: 'No alerts from unmapped sites', webhooks: 'No webhook deliveries',
};

export function AlertsSection({ lookbackHours = 24 }: { lookbackHours?: number }) {
  const [view, setView] = useState<View>('all');
  const query = view === 'failed' ? { resolveState: 'failed' } : view === 'held' ? { heldReason: 'maintenance' } : view === 'unmapped' ? { unmappedSite: 'true' } : {};
  const list = usePaged<DattoAlert>(view === 'webhooks' ? null : `${BASE}/alerts`, query, 25);
  const counters = useApi<{ counters?: AlertCounters }>(`${BASE}/alerts?limit=1`);
  const c = counters.data?.counters;
  const reload = () => {
    list.reload();
    counters.reload();
  };
  const tabs: Array<[View, string, number | undefined]> = [
    ['all', 'All alerts', undefined],
    ['failed', 'Failed resolves', c?.resolveFailed],
    ['held', 'Held for maintenance', c?.heldForMaintenance],
    ['unmapped', 'From unmapped sites', c?.fromUnmappedSites],
    ['webhooks', 'Webhook deliveries', undefined],
  ];

  return (
    <Card title="Alerts" id="datto-alerts" actions={<Reconcile onDone={reload} lookbackHours={lookbackHours} />}>
      {c && (
        <p className="muted small">
          {c.resolvePending} resolves pending · {c.resolveFailed} failed · {c.storms} storms ({c.rolledUpInStorms} alerts rolled up) · {c.resolvedBeforeRaised} resolved before a ticket was needed
        </p>
      )}
      <div className="tabs tabs-small" role="group" aria-label="Alert view">
        {tabs.map(([v, label, n]) => (
          <button key={v} type="button" className={`tab ${view === v ? 'active' : ''}`} aria-pressed={view === v} onClick={() => setView(v)}>
            {label}
            {n !== undefined && <span className="tab-count">{n}</span>}
          </button>
        ))}
      </div>
      {view === 'unmapped' && (
        <p className="muted small">
          These alerts name a Datto site that no Relaydesk site is mapped to, so their tickets got no customer from it. Map the site under{' '}
          <a href="#datto-mappings">Site mapping</a>: open tickets without a customer are placed then.
        </p>
      )}
      {view === 'webhooks' ? (
        <Deliveries />
      ) : (
        <PagedTable
          list={list}
          errorTitle="Could not load alerts"
          empty={<Empty title={EMPTY[view]} />}
          className="table table-compact"
          head={
            <>
              <th scope="col">Alert</th>
              <th scope="col">Device</th>
              <th scope="col">Ticket</th>
              <th scope="col">Priority</th>
              <th scope="col">Seen</th>
              <th scope="col">In Datto</th>
              <th scope="col">Resolve</th>
              <th scope="col" className="col-optional">Last seen</th>
            </>
          }
          row={(a) => (
            <tr key={a.alertUid}>
              <td className="cell-clip" title={`${a.alertUid}${a.message ? `\n${a.message}` : ''}`}>
                <div className="cell-clip">{a.message ?? a.monitorName ?? a.monitorKind ?? <span className="mono small">{a.alertUid}</span>}</div>
                {a.message && <div className="mono small muted cell-clip">{a.alertUid}</div>}
              </td>
              <td>
                {a.deviceName ?? '—'}
                {a.siteName && <div className="muted small">{a.siteName}</div>}
              </td>
              <td>{a.ticketId ? <Link to={`/tickets/${a.ticketId}`}>Ticket {a.ticketId}</Link> : a.heldReason ? <Badge tone="amber">Held: {a.heldReason}</Badge> : '—'}</td>
              <td>{a.priority ?? '—'}</td>
              <td>{a.occurrences}×</td>
              <td>{a.dattoState}</td>
              <td>
                <Badge tone={RESOLVE_TONE[a.resolveState] ?? 'neutral'} title={a.lastError ?? undefined}>
                  {a.resolveState}
                </Badge>
                {a.resolveState === 'failed' && (
                  <>
                    <div className="text-danger small cell-clip" title={a.lastError ?? undefined}>{a.lastError}</div>
                    <RetryResolveButton alertUid={a.alertUid} onDone={reload} />
                  </>
                )}
              </td>
              <td className="col-optional nowrap" title={formatDateTime(a.lastSeenAt)}>{formatAgo(a.lastSeenAt)}</td>
            </tr>
          )}
          footer={list.hasMore && <LoadMoreButton list={list} />}
        />
      )}
    </Card>
  );
}
