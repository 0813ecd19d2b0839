import { describe, expect, it } from 'vitest';
import { DattoApiError, normalizeApiUrl } from '../../src/integrations/datto-rmm/client/index.ts';

describe('normalizeApiUrl', () => {
  it.each([
    ['https://merlot-api.centrastage.net', 'https://merlot-api.centrastage.net'],
    ['https://merlot-api.centrastage.net/', 'https://merlot-api.centrastage.net'],
    ['https://merlot-api.centrastage.net/api', 'https://merlot-api.centrastage.net'],
    ['https://merlot-api.centrastage.net/api/', 'https://merlot-api.centrastage.net'],
    ['  https://Concord-API.centrastage.net/API//  ', 'https://concord-api.centrastage.net'],
    ['https://proxy.example:8443/api', 'https://proxy.example:8443'],
    ['http://127.0.0.1:4010/api', 'http://127.0.0.1:4010'],
    ['http://127.8.9.10:4010', 'http://127.8.9.10:4010'],
    ['http://localhost:4010/', 'http://localhost:4010'],
    ['http://[::1]:4010/api', 'http://[::1]:4010'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeApiUrl(input)).toBe(expected);
  });

  it.each([
    ['http://merlot-api.centrastage.net', 'https://'],
    ['http://10.0.0.5/api', 'https://'],
    ['merlot-api.centrastage.net', 'not a URL'],
    ['ftp://merlot-api.centrastage.net', 'https://'],
    ['https://merlot-api.centrastage.net/api/v2', 'unexpected path'],
    ['https://merlot-api.centrastage.net/api?x=1', 'query'],
    ['https://user:pw@merlot-api.centrastage.net', 'user name'],
    ['', 'not a URL'],
  ])('refuses %s', (input, reason) => {
    try {
      normalizeApiUrl(input);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DattoApiError);
      expect((error as DattoApiError).kind).toBe('invalid-url');
      expect((error as DattoApiError).message).toContain(reason);
      expect((error as DattoApiError).message).toContain('https://merlot-api.centrastage.net');
    }
  });
});
