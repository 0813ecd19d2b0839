import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('server smoke', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(); });
  afterAll(async () => { await s?.stop(); });

  it('answers health and creates a ticket', async () => {
    expect((await s.anonymous.get('/api/health')).body.status).toBe('ok');
    const t = await s.admin.post('/api/tickets', { summary: 'x' });
    expect(t.status).toBe(201);
  });
});
