import { useState, type FormEvent } from 'react';
import { Checkbox, Field } from '../../components/field.tsx';
import { Card } from '../../components/page.tsx';
import { InlineError } from '../../components/states.tsx';
import { DATTO_PRIORITIES, type AlertPolicies, type DattoSettings, type DattoSettingsUpdate } from '../../datto-types.ts';
import { PrioritySelect } from '../../components/pickers.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { useLeaveWarning } from '../../router.tsx';

export function PoliciesSection({ settings, save }: { settings: DattoSettings; save(u: DattoSettingsUpdate): Promise<unknown> }) {
  const [p, setP] = useState<AlertPolicies>(settings.policies);
  const saving = useAction(() => save({ policies: p }));
  const dirty = JSON.stringify(p) !== JSON.stringify(settings.policies);
  useLeaveWarning(dirty && !saving.busy);
  const set = <K extends keyof AlertPolicies>(k: K, v: AlertPolicies[K]) => setP((x) => ({ ...x, [k]: v }));
  const setStorm = <K extends keyof AlertPolicies['storm']>(k: K, v: AlertPolicies['storm'][K]) => setP((x) => ({ ...x, storm: { ...x.storm, [k]: v } }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void saving.run();
  };

  return (
    <Card title="Alert lifecycle" id="datto-policies">
      <form onSubmit={submit}>
        <div className="form-grid form-grid-aligned">
          <Field label="One ticket per" hint="A repeat of the same alert always adds to its ticket. “Condition” also groups new alerts of the same monitor on the same device.">
            <select value={p.dedupScope} onChange={(e) => set('dedupScope', e.target.value as AlertPolicies['dedupScope'])}>
              <option value="alert">Alert (Datto alert UID)</option>
              <option value="condition">Condition (device + monitor)</option>
            </select>
          </Field>
          <Field label="Reopen window (hours)" hint="An alert raised again within this time after its ticket closed reopens it; later it opens a new ticket linked to the old one.">
            <input type="number" min={0} max={2160} step={1} value={p.reopenWindowHours} onChange={(e) => set('reopenWindowHours', Number(e.target.value))} />
          </Field>
          <Field label="When an alert is resolved in Datto RMM" className="span-2">
            <select value={p.resolvedInDatto} onChange={(e) => set('resolvedInDatto', e.target.value as AlertPolicies['resolvedInDatto'])}>
              <option value="closeIfUntouched">Close the ticket if no agent worked on it</option>
              <option value="close">Always close the ticket</option>
              <option value="note">Only add a note to the ticket</option>
            </select>
          </Field>
          <Field label="Reconcile open alerts every (minutes)" hint="Compares open alerts in Datto with Relaydesk, so a lost e-mail never means a lost alert.">
            <input type="number" min={1} max={1440} value={p.reconcileMinutes} onChange={(e) => set('reconcileMinutes', Number(e.target.value))} />
          </Field>
          <Field label="Reconcile looks back (hours)" hint="Only open alerts raised this recently get a ticket, so turning this on does not ticket an old backlog.">
            <input type="number" min={1} max={720} value={p.reconcileLookbackHours ?? 24} onChange={(e) => set('reconcileLookbackHours', Number(e.target.value))} />
          </Field>
        </div>

        <fieldset className="fieldset">
          <legend>Alert-storm protection</legend>
          <Checkbox label="Roll a burst of alerts up into one parent ticket" checked={p.storm.enabled} onChange={(v) => setStorm('enabled', v)} />
          {p.storm.enabled && (
            <div className="form-grid form-grid-aligned">
              <Field label="Per">
                <select value={p.storm.scope} onChange={(e) => setStorm('scope', e.target.value as AlertPolicies['storm']['scope'])}>
                  <option value="device">Device</option>
                  <option value="site">Site</option>
                </select>
              </Field>
              <Field label="More than (alerts)">
                <input type="number" min={1} value={p.storm.threshold} onChange={(e) => setStorm('threshold', Number(e.target.value))} />
              </Field>
              <Field label="Within (minutes)">
                <input type="number" min={1} max={1440} value={p.storm.windowMinutes} onChange={(e) => setStorm('windowMinutes', Number(e.target.value))} />
              </Field>
            </div>
          )}
        </fieldset>

        <fieldset className="fieldset">
          <legend>Alert priority → ticket priority</legend>
          <div className="priority-map">
            {DATTO_PRIORITIES.map((name) => (
              <Field key={name} label={name}>
                <PrioritySelect value={p.priorityMap[name] ?? 3} onChange={(v) => v && set('priorityMap', { ...p.priorityMap, [name]: v })} />
              </Field>
            ))}
          </div>
        </fieldset>
        <InlineError error={saving.error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || saving.busy}>
            {saving.busy ? 'Saving…' : 'Save policies'}
          </button>
          {dirty && (
            <button type="button" className="btn" onClick={() => setP(settings.policies)}>
              Discard
            </button>
          )}
        </div>
      </form>
    </Card>
  );
}
