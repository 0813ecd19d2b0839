import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths that may carry secrets anywhere in a log line; pino replaces their values. */
export const redactPaths = [
  'password', '*.password', '*.*.password',
  'apiSecret', '*.apiSecret', '*.*.apiSecret',
  'secret', '*.secret', 'token', '*.token', 'accessToken', '*.accessToken',
  'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
  'headers.authorization', '*.headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'relaydesk' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
