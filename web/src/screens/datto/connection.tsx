import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api.ts';
import { Badge } from '../../components/badges.tsx';
import { Field } from '../../components/field.tsx';
import { Card } from '../../components/page.tsx';
import { InlineError } from '../../components/states.tsx';
import type { ConnectionTest, DattoSettings, DattoSettingsUpdate } from '../../datto-types.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useLeaveWarning } from '../../router.tsx';

function RateBudget({ rate }: { rate: NonNullable<ConnectionTest['requestRate']> }) {
  const used = rate.accountCount ?? null;
  const limit = rate.accountRateLimit ?? null;
  const window = rate.slidingTimeWindowSizeSeconds ?? null;
  if (used === null || limit === null) return <span className="muted">The API did not report its rate limit.</span>;
  const pct = limit > 0 ? Math.round((used / limit) * 100) : 0;
  const cutOff = rate.accountCutOffRatio ? Math.round(rate.accountCutOffRatio * 100) : null;
  return (
    <span>
      {used.toLocaleString()} of {limit.toLocaleString()} requests used{window ? ` in the last ${window} s` : ''} ({pct}%)
      {cutOff !== null && <span className="muted">; Datto blocks the account at {cutOff}%</span>}
      {rate.accountWriteRateLimit ? (
        <span className="muted">
          {' '}
          · writes {rate.accountWriteCount ?? 0} of {rate.accountWriteRateLimit}
        </span>
      ) : null}
    </span>
  );
}

const HINTS: Record<string, string> = {
  datto_bad_credentials: 'Check the API Key and the API Key Secret. In Datto RMM, open Setup > Users, pick the API user and generate new keys if unsure.',
  datto_forbidden: 'The API user lacks a permission, or API access is off for the account: check Setup > Global Settings > Access Control in Datto RMM.',
  datto_unreachable: 'Check the API URL and that this server can reach it (firewall, proxy, DNS).',
  datto_not_datto: 'The API URL answers, but not as the Datto RMM API. Use the API URL of your platform, e.g. https://merlot-api.centrastage.net.',
  datto_invalid_url: 'Use the API URL of your platform, e.g. https://merlot-api.centrastage.net.',
  datto_not_configured: 'Fill in all three fields, or save them first.',
  datto_rate_limited: 'Datto RMM is rate limiting this account. Wait a minute and test again.',
  datto_ip_blocked: 'Datto RMM has blocked this server\'s IP address for a few minutes after too many requests. Wait, then test again.',
  datto_timeout: 'Datto RMM did not answer in time. Try again; if it persists, check the network path to the API URL.',
  datto_server_error: 'Datto RMM had an internal error. Try again in a few minutes.',
};

export function ConnectionSection({ settings, save }: { settings: DattoSettings; save(u: DattoSettingsUpdate): Promise<unknown> }) {
  const [apiUrl, setApiUrl] = useState(settings.apiUrl);
  const [apiKey, setApiKey] = useState(settings.apiKey);
  const [apiSecret, setApiSecret] = useState('');
  const [replacing, setReplacing] = useState(!settings.apiSecretSet);
  const [result, setResult] = useState<ConnectionTest | null>(null);
  const [testError, setTestError] = useState<ApiError | Error | null>(null);

  const saving = useAction(async () => {
    await save({ apiUrl: apiUrl.trim(), apiKey: apiKey.trim(), ...(apiSecret ? { apiSecret } : {}) });
    setApiSecret('');
    setReplacing(false);
  });
  const testing = useAction(async () => {
    setResult(null);
    setTestError(null);
    try {
      setResult(await api.post<ConnectionTest>('/api/integrations/datto-rmm/test', { apiUrl: apiUrl.trim(), apiKey: apiKey.trim(), ...(apiSecret ? { apiSecret } : {}) }));
    } catch (err) {
      setTestError(err as Error);
    }
  });
  const dirty = apiUrl.trim() !== settings.apiUrl || apiKey.trim() !== settings.apiKey || apiSecret !== '';
  useLeaveWarning(dirty && !saving.busy);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void saving.run();
  };

  return (
    <Card title="API connection" id="datto-connection">
      <form onSubmit={submit}>
        <div className="form-grid form-grid-aligned">
          <Field label="API URL" hint="Shown in Datto RMM under Setup > Global Settings > Access Control once API access is on, e.g. https://merlot-api.centrastage.net">
            <input type="url" value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} placeholder="https://merlot-api.centrastage.net" autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="API Key">
            <input value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" spellCheck={false} />
          </Field>
          <Field
            label={
              <>
                API Key Secret {settings.apiSecretSet && <Badge tone="green">Set</Badge>}
              </>
            }
            hint={settings.apiSecretSet ? 'Stored encrypted and never shown again. Type a new secret to replace it.' : 'Stored encrypted; it is never shown again after saving.'}
          >
            {replacing ? (
              <input type="password" value={apiSecret} onChange={(e) => setApiSecret(e.target.value)} autoComplete="new-password" spellCheck={false} placeholder={settings.apiSecretSet ? 'New secret' : ''} />
            ) : (
              <span className="secret-set">
                <input type="text" value="•••••••••••• (set)" readOnly aria-readonly="true" tabIndex={-1} />
                <button type="button" className="btn btn-small" onClick={() => setReplacing(true)}>
                  Replace
                </button>
              </span>
            )}
          </Field>
        </div>
        <InlineError error={saving.error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || saving.busy}>
            {saving.busy ? 'Saving…' : 'Save credentials'}
          </button>
          <button type="button" className="btn" onClick={() => void testing.run()} disabled={testing.busy}>
            {testing.busy ? 'Testing…' : 'Test connection'}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {result && (
          <div className="callout callout-ok test-result" data-testid="datto-test-result">
            <strong>Connected to {result.account.name ?? result.account.uid ?? 'the account'}.</strong>{' '}
            {result.requestRate ? <RateBudget rate={result.requestRate} /> : <span className="muted">The API did not report its rate limit.</span>}
            {dirty && <div className="muted small">These credentials are not saved yet.</div>}
          </div>
        )}
        {testError && (
          <div className="callout callout-danger test-result" role="alert" data-testid="datto-test-result">
            <strong>Connection failed.</strong> {testError.message}
            {testError instanceof ApiError && HINTS[testError.code] && <div className="muted">{HINTS[testError.code]}</div>}
          </div>
        )}
      </div>
    </Card>
  );
}
