import { describe, expect, it } from 'vitest';
import { alertSchema, deviceSchema, siteSchema } from '../../src/integrations/datto-rmm/client/models.ts';
import { contextOfKind } from '../../src/integrations/datto-rmm/client/index.ts';

describe('Datto RMM models', () => {
  it('reads dates from epoch milliseconds, ISO text and digit strings; anything else is null', () => {
    const device = deviceSchema.parse({
      id: 1,
      uid: 'd1',
      lastSeen: 1_717_200_000_000,
      lastReboot: '2024-06-01T00:00:00Z',
      lastAuditDate: '1717200000000',
      creationDate: 'yesterday',
    });
    expect(device.lastSeen).toEqual(new Date(1_717_200_000_000));
    expect(device.lastReboot).toEqual(new Date('2024-06-01T00:00:00Z'));
    expect(device.lastAuditDate).toEqual(new Date(1_717_200_000_000));
    expect(device.creationDate).toBeNull();
  });

  it('reads missing and null fields as null and keeps fields it does not know', () => {
    const site = siteSchema.parse({ id: 7, uid: 's7', name: null, brandNewField: { x: 1 } });
    expect(site).toMatchObject({ id: 7, uid: 's7', name: null, description: null, devicesStatus: null, brandNewField: { x: 1 } });
  });

  it('requires identifiers', () => {
    expect(siteSchema.safeParse({ id: 7, name: 'No uid' }).success).toBe(false);
    expect(alertSchema.safeParse({ priority: 'High' }).success).toBe(false);
  });

  it('types known alert contexts and keeps unknown ones whole', () => {
    const known = alertSchema.parse({ alertUid: 'a', alertContext: { '@class': 'srvc_status_ctx', serviceName: 'Spooler', status: 'STOPPED' } });
    const unknown = alertSchema.parse({ alertUid: 'b', alertContext: { '@class': 'future_ctx', level: 3, nested: { a: [1] } } });
    const oddShape = alertSchema.parse({ alertUid: 'c', alertContext: { '@class': 'perf_disk_usage_ctx', freeSpace: 'lots' } });

    expect(contextOfKind(known.alertContext, 'srvc_status_ctx')).toMatchObject({ serviceName: 'Spooler', status: 'STOPPED' });
    expect(unknown.alertContext).toEqual({ '@class': 'future_ctx', level: 3, nested: { a: [1] } });
    expect(oddShape.alertContext).toEqual({ '@class': 'perf_disk_usage_ctx', freeSpace: 'lots' });
    expect(contextOfKind(oddShape.alertContext, 'perf_disk_usage_ctx')).toBeNull();
  });

  it('keeps a priority Datto may add later', () => {
    expect(alertSchema.parse({ alertUid: 'a', priority: 'Severe' }).priority).toBe('Severe');
  });
});
