import { api, ApiError } from '../api.ts';
import type { DattoAlert } from '../datto-types.ts';
import { formatAgo, formatDateTime, safeHttpUrl } from '../format.ts';
import { useAction } from '../hooks/use-action.ts';
import type { Asset } from '../types.ts';
import { Badge, type Tone } from './badges.tsx';
import { Card, Facts } from './page.tsx';
import { InlineError } from './states.tsx';
import { toast } from './toasts.tsx';

const RESOLVE: Record<DattoAlert['resolveState'], { label: string; tone: Tone }> = {
  none: { label: 'Not requested', tone: 'gray' },
  pending: { label: 'Resolving…', tone: 'blue' },
  done: { label: 'Resolved in Datto RMM', tone: 'green' },
  failed: { label: 'Resolve failed', tone: 'red' },
};

const PRIORITY_TONE: Record<string, Tone> = { critical: 'red', high: 'amber', moderate: 'neutral', low: 'gray', information: 'gray' };

export function retryResolve(alertUid: string) {
  return api.post(`/api/integrations/datto-rmm/alerts/${encodeURIComponent(alertUid)}/retry-resolve`);
}

export function RetryResolveButton({ alertUid, onDone }: { alertUid: string; onDone(): void }) {
  const retry = useAction(async () => {
    await retryResolve(alertUid);
    toast('Resolve queued again. The outcome appears in the history.');
    onDone();
  });
  return (
    <span className="inline-actions">
      <button type="button" className="btn btn-small" onClick={() => void retry.run()} disabled={retry.busy}>
        {retry.busy ? 'Retrying…' : 'Retry resolve'}
      </button>
      <InlineError error={retry.error} />
    </span>
  );
}

export function DattoAlertPanel({ alert }: { alert: DattoAlert }) {
  const state = RESOLVE[alert.resolveState] ?? { label: alert.resolveState, tone: 'neutral' as Tone };
  return (
    <Card title="Datto RMM alert" className="alert-card">
      <Facts
        items={[
          ['Alert UID', <code className="break">{alert.alertUid}</code>],
          ['Priority', alert.priority ? <Badge tone={PRIORITY_TONE[alert.priority.toLowerCase()] ?? 'neutral'}>{alert.priority}</Badge> : '—'],
          ['Occurrences', <strong>{alert.occurrences}</strong>],
          ['In Datto', alert.dattoState ? <Badge tone={alert.dattoState === 'resolved' ? 'green' : alert.dattoState === 'open' ? 'amber' : 'gray'}>{alert.dattoState}</Badge> : '—'],
          ...(alert.deviceName || alert.device?.name ? ([['Device', alert.device?.name ?? alert.deviceName]] as Array<[string, string]>) : []),
          ...(alert.siteName ? ([['Datto site', alert.siteName]] as Array<[string, string]>) : []),
          ...(alert.via?.length ? ([['Received by', alert.via.join(', ')]] as Array<[string, string]>) : []),
          ['Resolve', <Badge tone={state.tone}>{state.label}</Badge>],
          ['First seen', alert.firstSeenAt ? <span title={formatDateTime(alert.firstSeenAt)}>{formatAgo(alert.firstSeenAt)}</span> : '—'],
          ['Last seen', alert.lastSeenAt ? <span title={formatDateTime(alert.lastSeenAt)}>{formatAgo(alert.lastSeenAt)}</span> : '—'],
          ...(alert.monitorKind ? ([['Monitor', alert.monitorName ?? alert.monitorKind]] as Array<[string, string]>) : []),
          ...(alert.heldReason ? ([['Held', alert.heldReason]] as Array<[string, string]>) : []),
          ...(alert.resolvedAt ? ([['Resolved', `${formatDateTime(alert.resolvedAt)}${alert.resolvedBy ? ` by ${alert.resolvedBy}` : ''}`]] as Array<[string, string]>) : []),
        ]}
      />
      {alert.message && (
        <div className="alert-block">
          <div className="alert-block-title">Message</div>
          <div className="pre-text">{alert.message}</div>
        </div>
      )}
      {alert.diagnostics && (
        <div className="alert-block">
          <div className="alert-block-title">Diagnostics</div>
          <pre className="pre-box">{alert.diagnostics}</pre>
        </div>
      )}
      {/* A failed resolve is shown, with its Retry button, once: at the top of the ticket. */}
      {alert.lastError && <div className="muted small">Last error: {alert.lastError}</div>}
      {alert.enrichError && <div className="muted small">Could not read the alert's details from Datto RMM: {alert.enrichError}</div>}
      <DeviceLinks alert={alert} />
    </Card>
  );
}

export function DeviceLinks({ asset, alert }: { asset?: Asset | null; alert?: DattoAlert | null }) {
  const portal = safeHttpUrl(asset?.portalUrl ?? alert?.device?.portalUrl);
  const remote = safeHttpUrl(asset?.webRemoteUrl ?? alert?.device?.webRemoteUrl);
  if (!portal && !remote) return null;
  return (
    <div className="link-row">
      {portal && (
        <a className="btn btn-small" href={portal} target="_blank" rel="noopener noreferrer">
          Open in Datto RMM <span aria-hidden="true">↗</span>
        </a>
      )}
      {remote && (
        <a className="btn btn-small" href={remote} target="_blank" rel="noopener noreferrer">
          Web remote <span aria-hidden="true">↗</span>
        </a>
      )}
    </div>
  );
}

/** Without the Datto RMM module the route is missing: that means "no alert", not an error. */
export async function loadAlertsForTicket(ticketId: number): Promise<DattoAlert[]> {
  try {
    return (await api.get<{ items: DattoAlert[] }>(`/api/tickets/${ticketId}/datto-alerts`)).items;
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403)) return [];
    throw err;
  }
}
