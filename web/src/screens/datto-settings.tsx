import { useEffect, useState } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { Callout, ErrorBox, Loading } from '../components/states.tsx';
import { Switch } from '../components/switch.tsx';
import { toast } from '../components/toasts.tsx';
import type { DattoSettings, DattoSettingsUpdate } from '../datto-types.ts';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { useLocation } from '../router.tsx';
import { AlertingSection } from './datto/alerting.tsx';
import { AlertsSection } from './datto/alerts.tsx';
import { ConnectionSection } from './datto/connection.tsx';
import { ImportSection } from './datto/import.tsx';
import { MaintenanceSection } from './datto/maintenance.tsx';
import { PoliciesSection } from './datto/policies.tsx';
import { SiteMappingsSection } from './datto/site-mappings.tsx';

const PATH = '/api/integrations/datto-rmm';

const SECTIONS: Array<[string, string]> = [
  ['datto-connection', 'API connection'],
  ['datto-alerting', 'Alerting'],
  ['datto-import', 'Customer/Site import'],
  ['datto-mappings', 'Site mapping'],
  ['datto-policies', 'Alert lifecycle'],
  ['datto-maintenance', 'Maintenance'],
  ['datto-alerts', 'Alerts'],
];

export function DattoSettings() {
  useTitle('Datto RMM');
  const { query } = useLocation();
  const settings = useApi<DattoSettings>(PATH);
  const [synced, setSynced] = useState(0);
  const s = settings.data;
  const loaded = !!s;
  useEffect(() => {
    if (loaded && window.location.hash) document.getElementById(window.location.hash.slice(1))?.scrollIntoView();
  }, [loaded]);

  const save = async (update: DattoSettingsUpdate) => {
    const next = await api.put<DattoSettings>(PATH, update);
    settings.setData(next);
    toast('Datto RMM settings saved');
    return next;
  };
  const toggle = useAction(async (enabled: boolean) => {
    await save({ enabled });
    if (!enabled) return;
    // Turning it on with credentials Datto refuses would only fail later, job by job: say so now.
    try {
      await api.post(`${PATH}/test`, {});
    } catch (err) {
      toast(`Enabled, but the connection test failed: ${(err as Error).message}`, 'error');
    }
  });

  if (settings.error) {
    const missing = settings.error instanceof ApiError && settings.error.status === 404;
    return (
      <>
        <PageHeader title="Datto RMM" crumbs={[{ label: 'Integrations', to: '/config/integrations' }]} />
        {missing ? (
          <Callout tone="warn" title="The Datto RMM module is not part of this server.">
            Update Relaydesk to a version that includes it.
          </Callout>
        ) : (
          <ErrorBox error={settings.error} onRetry={settings.reload} title="Could not load the Datto RMM settings" />
        )}
      </>
    );
  }
  if (!s) return <Loading label="Loading Datto RMM settings…" />;
  const configured = s.apiSecretSet && !!s.apiUrl && !!s.apiKey;

  return (
    <>
      <PageHeader
        title="Datto RMM"
        crumbs={[{ label: 'Integrations', to: '/config/integrations' }]}
        actions={
          <div className="switch-field">
            <span id="datto-enabled-label">{s.enabled ? 'Enabled' : 'Disabled'}</span>
            <Switch label="Datto RMM enabled" checked={s.enabled} disabled={toggle.busy} onChange={(v) => void toggle.run(v)} />
          </div>
        }
      >
        <div className="header-meta">
          {s.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}
          {configured ? <Badge tone="blue">Credentials saved</Badge> : <Badge tone="amber">Credentials missing</Badge>}
        </div>
      </PageHeader>
      {toggle.error && (
        <Callout tone="danger" title="Could not change the module.">
          {toggle.error.message}
        </Callout>
      )}
      {!s.enabled && (query.get('enable') || !configured) && (
        <Callout tone="info" title="To turn Datto RMM on:">
          enter the API URL, API Key and API Key Secret, test the connection, save, then switch it on at the top right.
        </Callout>
      )}
      <nav className="section-nav" aria-label="Sections">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href={`#${id}`}>
            {label}
          </a>
        ))}
      </nav>
      <div className="stack">
        <ConnectionSection key={`c-${s.apiSecretSet}`} settings={s} save={save} />
        <AlertingSection settings={s} save={save} onChanged={(next) => settings.setData(next)} />
        <ImportSection settings={s} save={save} onSynced={() => setSynced((n) => n + 1)} />
        <SiteMappingsSection version={synced} />
        <PoliciesSection settings={s} save={save} />
        <MaintenanceSection />
        <AlertsSection lookbackHours={s.policies.reconcileLookbackHours ?? 24} />
      </div>
    </>
  );
}
