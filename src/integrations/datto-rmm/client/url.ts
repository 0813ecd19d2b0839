import net from 'node:net';
import { DattoApiError } from './errors.ts';

const example = 'https://merlot-api.centrastage.net';

/**
 * Turns the API URL a user pasted from Datto RMM into the host base the client
 * works from: `https://merlot-api.centrastage.net/api/` → `https://merlot-api.centrastage.net`.
 * Plain http is accepted only for loopback hosts (the emulator, a local proxy).
 */
export function normalizeApiUrl(input: string): string {
  const text = input.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`"${text}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`the address must start with https:// (got ${url.protocol}//)`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw invalid('Datto RMM is only reachable over https://; plain http:// would send the API key unencrypted');
  }
  if (url.username || url.password) throw invalid('the address must not contain a user name or password');
  if (url.search || url.hash) throw invalid('the address must not contain ?query or #fragment parts');

  const path = url.pathname.replace(/\/+$/, '').replace(/\/api$/i, '');
  if (path !== '') throw invalid(`unexpected path "${url.pathname}"; only an optional /api may follow the host`);
  return url.origin;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1';
  return false;
}

function invalid(reason: string): DattoApiError {
  return new DattoApiError(
    'invalid-url',
    `The Datto RMM API URL is not valid: ${reason}. Copy the API URL shown in Datto RMM under Setup > Global Settings > Access Control, for example ${example}.`,
  );
}
