import { api, ApiError } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { PageHeader, useTitle } from '../components/page.tsx';
import { Empty, ErrorBox, InlineError, Loading } from '../components/states.tsx';
import { Switch } from '../components/switch.tsx';
import { toast } from '../components/toasts.tsx';
import { useAction } from '../hooks/use-action.ts';
import { useApi } from '../hooks/use-api.ts';
import { Link, navigate } from '../router.tsx';
import type { IntegrationSummary } from '../types.ts';

const setupPath = (key: string) => `/config/integrations/${key}`;

function ModuleRow({ module, onChanged }: { module: IntegrationSummary; onChanged(): void }) {
  const toggle = useAction(async (enabled: boolean) => {
    try {
      await api.put(`/api/integrations/${module.key}`, { enabled });
    } catch (err) {
      if (enabled && err instanceof ApiError && (err.status === 422 || err.status === 400)) {
        navigate(`${setupPath(module.key)}?enable=1`);
        return;
      }
      throw err;
    }
    toast(`${module.name} ${enabled ? 'enabled' : 'disabled'}`);
    onChanged();
    if (enabled) navigate(setupPath(module.key));
  });
  return (
    <li className="module">
      <div className="module-main">
        <div className="module-title">
          <Link to={setupPath(module.key)}>{module.name}</Link>
          {module.enabled ? <Badge tone="green">Enabled</Badge> : <Badge tone="gray">Disabled</Badge>}
        </div>
        <p className="muted">{module.description}</p>
        <InlineError error={toggle.error} />
      </div>
      <div className="module-actions">
        <Switch label={`${module.name} enabled`} checked={module.enabled} disabled={toggle.busy} onChange={(v) => void toggle.run(v)} />
        <Link to={setupPath(module.key)} className="btn btn-small">
          Configure
        </Link>
      </div>
    </li>
  );
}

export function Integrations() {
  useTitle('Integrations');
  const modules = useApi<{ items: IntegrationSummary[] }>('/api/integrations');
  return (
    <>
      <PageHeader title="Integrations" />
      <p className="page-intro muted">Modules connect Relaydesk to other systems. Turning one on opens its setup.</p>
      {modules.error && <ErrorBox error={modules.error} onRetry={modules.reload} title="Could not load the modules" />}
      {modules.loading && !modules.data && <Loading />}
      {modules.data && modules.data.items.length === 0 && <Empty title="No integration modules in this build" />}
      {modules.data && modules.data.items.length > 0 && (
        <ul className="module-list">
          {modules.data.items.map((m) => (
            <ModuleRow key={m.key} module={m} onChanged={modules.reload} />
          ))}
        </ul>
      )}
    </>
  );
}
