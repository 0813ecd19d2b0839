import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { Badge } from '../../components/badges.tsx';
import { Checkbox, Field } from '../../components/field.tsx';
import { Card } from '../../components/page.tsx';
import { CustomerSelect } from '../../components/pickers.tsx';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { InlineError } from '../../components/states.tsx';
import type { DattoSettings, DattoSettingsUpdate, ImportCounts, SiteImportMode, SyncOverview, SyncStatus } from '../../datto-types.ts';
import { formatAgo, formatDateTime } from '../../format.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useLeaveWarning } from '../../router.tsx';
import { useJob } from '../../hooks/use-job.ts';
import type { Job } from '../../types.ts';

type What = 'sites' | 'devices';

const SCHEDULES: Array<[number, string]> = [
  [0, 'Off (manual only)'],
  [15, 'Every 15 minutes'],
  [30, 'Every 30 minutes'],
  [60, 'Every hour'],
  [240, 'Every 4 hours'],
  [720, 'Every 12 hours'],
  [1440, 'Once a day'],
];

function Counts({ job, result }: { job: Job; result?: Partial<ImportCounts> | null }) {
  const c = (job.result as Partial<ImportCounts> | null) ?? result ?? null;
  if (job.state === 'failed') {
    return (
      <span className="text-danger">
        Failed {job.finishedAt ? formatAgo(job.finishedAt) : ''}: {job.error ?? 'no reason recorded'}
      </span>
    );
  }
  if (!c || typeof c !== 'object') return <span className="muted">Finished {formatAgo(job.finishedAt)}</span>;
  const parts: string[] = [];
  if (c.total !== undefined) parts.push(`${c.total} in Datto`);
  for (const k of ['created', 'updated', 'unchanged', 'deleted', 'skipped', 'failed'] as const) if (c[k]) parts.push(`${c[k]} ${k}`);
  return (
    <span title={job.finishedAt ? formatDateTime(job.finishedAt) : undefined}>
      {parts.join(' · ') || 'Nothing to do'}
      <span className="muted"> — {formatAgo(job.finishedAt)}</span>
      {c.lastError && <div className="text-danger small">Last error: {c.lastError}</div>}
    </span>
  );
}

function SyncRow({ what, enabled, status, onFinished }: { what: What; enabled: boolean; status: SyncStatus | null; onFinished(): void }) {
  const [jobId, setJobId] = useState<number | null>(null);
  useEffect(() => {
    if (status?.running) setJobId(status.running.id);
  }, [status?.running]);
  const { job, error, running } = useJob(jobId);
  const finished = job?.state === 'done' || job?.state === 'failed';
  const notify = useRef(onFinished);
  notify.current = onFinished;
  useEffect(() => {
    if (finished) notify.current();
  }, [finished, job?.id]);
  const start = useAction(async () => setJobId((await api.post<Job>('/api/integrations/datto-rmm/sync', { what })).id));
  const shown = job ?? status?.lastJob ?? null;
  const label = what === 'sites' ? 'Sites' : 'Devices';
  return (
    <div className="sync-row" data-testid={`sync-${what}`}>
      <div className="sync-label">
        <strong>{label}</strong>
        {shown && shown.state !== 'done' && <Badge tone={shown.state === 'failed' ? 'red' : 'blue'}>{shown.state}</Badge>}
      </div>
      <div className="sync-status">
        {running && job && <ProgressBar done={job.progress.done} total={job.progress.total} label={`${label} import progress`} />}
        {!running && shown && (shown.state === 'done' || shown.state === 'failed') && <Counts job={shown} result={job ? null : status?.lastResult} />}
        {!running && status?.lastSuccessAt && shown?.state === 'failed' && <div className="muted small">Last successful run {formatAgo(status.lastSuccessAt)}</div>}
        {!running && !shown && <span className="muted">Never run</span>}
        <InlineError error={start.error ?? error} />
      </div>
      <button type="button" className="btn" onClick={() => void start.run()} disabled={start.busy || running || !enabled}>
        {running ? 'Syncing…' : `Sync ${what} now`}
      </button>
    </div>
  );
}

/** `onSynced`: an import finished, so what it wrote (the site mapping table) can be shown again. */
export function ImportSection({ settings, save, onSynced }: { settings: DattoSettings; save(u: DattoSettingsUpdate): Promise<unknown>; onSynced(): void }) {
  const [mode, setMode] = useState<SiteImportMode>(settings.siteImport.mode);
  const [topLevel, setTopLevel] = useState<number | null>(settings.siteImport.topLevelCustomerId);
  const [schedule, setSchedule] = useState(settings.siteImport.scheduleMinutes);
  const [assets, setAssets] = useState(settings.assetImport.enabled);
  const [overview, setOverview] = useState<SyncOverview | null>(null);

  useEffect(() => {
    api.get<SyncOverview>('/api/integrations/datto-rmm/sync').then(setOverview, () => undefined);
  }, [settings]);

  const saving = useAction(() => save({ siteImport: { mode, topLevelCustomerId: mode === 'topLevelCustomer' ? topLevel : null, scheduleMinutes: schedule }, assetImport: { enabled: assets } }));
  const s = settings.siteImport;
  const dirty = mode !== s.mode || (mode === 'topLevelCustomer' && topLevel !== s.topLevelCustomerId) || schedule !== s.scheduleMinutes || assets !== settings.assetImport.enabled;
  useLeaveWarning(dirty && !saving.busy);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void saving.run();
  };
  const configured = settings.apiSecretSet && !!settings.apiUrl && !!settings.apiKey;

  return (
    <Card title="Customer/Site import" id="datto-import">
      <form onSubmit={submit}>
        <fieldset className="radio-group">
          <legend>Each Datto RMM site becomes</legend>
          <label className="radio">
            <input type="radio" name="import-mode" value="customerPerSite" checked={mode === 'customerPerSite'} onChange={() => setMode('customerPerSite')} />
            <span>
              <strong>A customer with its main site</strong>
              <span className="muted small"> — for MSPs: one Datto site per client.</span>
            </span>
          </label>
          <label className="radio">
            <input type="radio" name="import-mode" value="topLevelCustomer" checked={mode === 'topLevelCustomer'} onChange={() => setMode('topLevelCustomer')} />
            <span>
              <strong>A site of one top-level customer</strong>
              <span className="muted small"> — for internal IT: every Datto site is a location of your organisation.</span>
            </span>
          </label>
        </fieldset>
        <div className="form-grid">
          {mode === 'topLevelCustomer' && (
            <Field label="Top-level customer" hint="Datto sites are imported as sites of this customer.">
              <CustomerSelect value={topLevel} onChange={setTopLevel} noneLabel="— Pick a customer —" />
            </Field>
          )}
          <Field label="Schedule" hint="Imports also run when you press Sync now.">
            <select value={schedule} onChange={(e) => setSchedule(Number(e.target.value))}>
              {SCHEDULES.some(([m]) => m === schedule) ? null : <option value={schedule}>Every {schedule} minutes</option>}
              {SCHEDULES.map(([m, label]) => (
                <option key={m} value={m}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <Checkbox label="Import devices as assets" hint="(devices of mapped sites; alerts then link to the asset)" checked={assets} onChange={setAssets} />
        <InlineError error={saving.error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || saving.busy}>
            {saving.busy ? 'Saving…' : 'Save import settings'}
          </button>
        </div>
      </form>
      <div className="subsection">
        <h3>Sync now</h3>
        {!configured && <p className="muted small">Save the API credentials first.</p>}
        <SyncRow what="sites" enabled={configured} status={overview?.sites ?? null} onFinished={onSynced} />
        {settings.assetImport.enabled && <SyncRow what="devices" enabled={configured} status={overview?.devices ?? null} onFinished={onSynced} />}
        {overview?.schedule.enabled && overview.schedule.nextRunAt && (
          <p className="muted small">
            Next scheduled import {formatDateTime(overview.schedule.nextRunAt)}
            {overview.schedule.includesDevices ? ' (sites, then devices)' : ''}.
          </p>
        )}
      </div>
    </Card>
  );
}
