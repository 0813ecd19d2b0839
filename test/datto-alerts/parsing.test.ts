import { describe, expect, it } from 'vitest';
import { contextLines, describeAlert, monitorKindName } from '../../src/integrations/datto-rmm/alerts/alert-details.ts';
import { alertSummaryOf, alertTagOf, canonicalAlertUid } from '../../src/integrations/datto-rmm/alerts/alert-uid.ts';
import { parseWebhookBody } from '../../src/integrations/datto-rmm/alerts/webhook-body.ts';
import { alertSchema } from '../../src/integrations/datto-rmm/client/models.ts';

const UID = '5a38c0de-dc7c-4b13-b125-a4cfee0bfb1a';

describe('alert uid in a subject', () => {
  it('reads the uid whatever the case, spacing and hyphens', () => {
    expect(alertTagOf(`x - Alert{${UID}}`)).toEqual({ found: true, uid: UID, raw: UID });
    expect(alertTagOf(`x - ALERT{ ${UID.toUpperCase()} }`)).toMatchObject({ found: true, uid: UID });
    expect(canonicalAlertUid(UID.replace(/-/g, ''))).toBe(UID);
    expect(canonicalAlertUid(`${UID.slice(0, 10)} ${UID.slice(10)}`)).toBe(UID);
  });

  it('tells a subject without a tag from a tag without a uid', () => {
    expect(alertTagOf('Weekly patch report')).toEqual({ found: false });
    expect(alertTagOf('x - Alert{[alertuid]}')).toEqual({ found: true, uid: null, raw: '[alertuid]' });
    expect(canonicalAlertUid('5a38c0de-dc7c-4b13-b125')).toBeNull();
    expect(canonicalAlertUid('5a38c0-dedc7c-4b13-b125-a4cfee0bfb1a')).toBeNull();
  });

  it('makes the summary without the tag, forward prefixes and a dangling separator', () => {
    expect(alertSummaryOf(`FW: Fwd: Alert on device: 10.0.0.1, reason Disk full - Alert{${UID}}`, UID)).toBe('Alert on device: 10.0.0.1, reason Disk full');
    expect(alertSummaryOf(`Alert{${UID}}`, UID)).toBe(`Datto RMM alert ${UID}`);
    // A second tag is not Datto's format: it stays in the summary, so the alert it names is not lost from sight.
    expect(alertSummaryOf(`Disk full - Alert{${UID}} and Alert{${UID.replace('a', 'b')}}`, UID)).toBe(`Disk full - and Alert{${UID.replace('a', 'b')}}`);
  });
});

describe('webhook bodies', () => {
  it('accepts the spellings Datto bodies use', () => {
    for (const key of ['alertUID', 'alertUid', 'alert_uid', 'AlertUID']) {
      const r = parseWebhookBody(JSON.stringify({ [key]: UID.toUpperCase(), resolved: 'true' }));
      expect(r).toMatchObject({ ok: true, alert: { alertUid: UID, resolved: true } });
    }
    expect(parseWebhookBody(JSON.stringify({ alertUID: UID, resolvedAlert: false }))).toMatchObject({ ok: true, alert: { resolved: false } });
    expect(parseWebhookBody(JSON.stringify({ alertUID: UID, alertPriority: 'critical', deviceUid: '[device_uid]' })))
      .toMatchObject({ ok: true, alert: { facts: { priority: 'Critical', deviceUid: null } } });
  });

  it('fails with a reason on what cannot be an alert', () => {
    expect(parseWebhookBody('')).toMatchObject({ ok: false });
    expect(parseWebhookBody('[1,2]')).toMatchObject({ ok: false, reason: 'the body is not a JSON object' });
    expect(parseWebhookBody('{"alertMessage":"x"}')).toMatchObject({ ok: false, reason: expect.stringContaining('no alert uid') });
    expect(parseWebhookBody('{"alertUID":"[alert_uid]"}')).toMatchObject({ ok: false, reason: expect.stringContaining('[alert_uid] was not replaced') });
    expect(parseWebhookBody('{"alertUID":"12345"}')).toMatchObject({ ok: false, reason: expect.stringContaining('is not a Datto alert uid') });
    expect(parseWebhookBody(`{"alertUID":"${UID}","resolved":"maybe"}`)).toMatchObject({ ok: false, alertUid: UID });
  });
});

describe('alert details', () => {
  it('renders a known kind and shows an unknown kind field by field', () => {
    const known = alertSchema.parse({
      alertUid: UID, priority: 'High', diagnostics: 'C: 93% used',
      alertContext: { '@class': 'perf_disk_usage_ctx', diskName: 'C:', freeSpace: 7, totalVolume: 100, unitOfMeasure: 'PERCENT' },
      alertSourceInfo: { deviceUid: 'd1', deviceName: 'FS01', siteUid: 's1', siteName: 'Contoso' },
    });
    const text = describeAlert(known);
    expect(text).toContain('Monitor: Disk usage');
    expect(text).toContain('Device: FS01 (d1)');
    expect(text).toContain('Disk Name: C:');
    expect(contextLines({ '@class': 'backup_vendor_ctx', jobName: 'Nightly', failures: ['disk', 'network'], detail: { code: 7 } }))
      .toEqual(['Job Name: Nightly', 'Failures: disk, network', 'Detail: code=7']);
    const unknown = describeAlert(alertSchema.parse({ alertUid: UID, alertContext: { '@class': 'backup_vendor_ctx', jobName: 'Nightly' } }));
    expect(unknown).toContain('Monitor: backup_vendor_ctx (shown as reported)');
    // Times read as people read them, and the API gives the kind a name beside the raw one.
    expect(describeAlert(alertSchema.parse({ alertUid: UID, timestamp: Date.UTC(2025, 5, 1, 0, 35, 39) }))).toContain('Raised: 2025-06-01 00:35 UTC');
    expect(monitorKindName('perf_disk_usage_ctx')).toBe('Disk usage');
    expect(monitorKindName('backup_vendor_ctx')).toBe('backup_vendor_ctx');
  });
});
