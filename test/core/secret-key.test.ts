import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import { startRestartableServer } from '../support/mail-helpers.ts';

describe('the secret key fits the database', () => {
  let r: Awaited<ReturnType<typeof startRestartableServer>>;
  beforeAll(async () => {
    r = await startRestartableServer();
  });
  afterAll(async () => { await r?.close(); });

  it('a start with another key than the first is refused in words; the right key starts and reads what was stored', async () => {
    const saved = await r.server.admin.put('/api/integrations/datto-rmm', {
      apiUrl: 'https://pinotage-api.centrastage.net', apiKey: 'KEY-123', apiSecret: 'secret-456',
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);

    const refused = await r.restart({ RELAYDESK_SECRET_KEY: crypto.randomBytes(32).toString('base64') }).then(() => null, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(/^RELAYDESK_SECRET_KEY: this is not the key the secrets in this database were encrypted with/);

    const again = await r.restart();
    const settings = await again.admin.get('/api/integrations/datto-rmm');
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ apiKey: 'KEY-123', apiSecretSet: true });
  });
});
