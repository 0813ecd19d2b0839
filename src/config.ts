import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { z } from 'zod';

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every process setting, read from the environment once at boot. */
export const configSchema = z.object({
  /** HTTP port of the API and the web app. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to listen on. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** PostgreSQL connection URL; SQLite in the data dir when unset. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /**
   * PostgreSQL: prepare frequent statements on each connection (named statements). Turn off behind
   * a connection pooler in transaction mode that does not carry them (PgBouncer before 1.21).
   */
  DATABASE_PREPARED_STATEMENTS: boolish.default(true),
  /** Folder for the SQLite database and the generated secret key. */
  RELAYDESK_DATA_DIR: z.string().min(1).default('./data'),
  /** 32-byte key (base64 or 64 hex chars) that encrypts secrets at rest; generated into the data dir when unset. */
  RELAYDESK_SECRET_KEY: z.string().optional(),
  /** First administrator, created at start when no administrator exists. */
  RELAYDESK_ADMIN_EMAIL: z.email().optional(),
  RELAYDESK_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Public base URL (for webhook URLs and links in mail); derived from the request when unset. */
  RELAYDESK_PUBLIC_URL: z.url().optional(),
  /** Run the background workers (jobs, mail receivers, schedules) in this process. */
  RELAYDESK_WORKERS: boolish.default(true),
  /** How many jobs one process runs at once. */
  RELAYDESK_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Session lifetime in hours. */
  RELAYDESK_SESSION_HOURS: z.coerce.number().positive().default(12),
  /**
   * PEM certificate (with its chain) and private key files for inbound SMTP: when both are set, every
   * SMTP mailbox offers STARTTLS, so sending servers can encrypt what they deliver.
   */
  RELAYDESK_SMTP_TLS_CERT: z.string().min(1).optional(),
  RELAYDESK_SMTP_TLS_KEY: z.string().min(1).optional(),
});

export type Config = z.infer<typeof configSchema> & {
  dataDir: string;
  /** Inbound SMTP's STARTTLS certificate and key, read at boot; null when not configured. */
  smtpTls: { cert: Buffer; key: Buffer } | null;
};

export class ConfigError extends Error {}

/** Parses the environment; throws a ConfigError whose message names every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.RELAYDESK_ADMIN_EMAIL && !parsed.data.RELAYDESK_ADMIN_PASSWORD) {
    throw new ConfigError('Invalid configuration:\n  RELAYDESK_ADMIN_PASSWORD: required when RELAYDESK_ADMIN_EMAIL is set');
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.RELAYDESK_DATA_DIR), smtpTls: readSmtpTls(parsed.data) };
}

/** Both files or neither; each must be readable PEM, and the key must belong to the certificate. */
function readSmtpTls(c: { RELAYDESK_SMTP_TLS_CERT?: string; RELAYDESK_SMTP_TLS_KEY?: string }): Config['smtpTls'] {
  const { RELAYDESK_SMTP_TLS_CERT: certFile, RELAYDESK_SMTP_TLS_KEY: keyFile } = c;
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) {
    const missing = certFile ? 'RELAYDESK_SMTP_TLS_KEY' : 'RELAYDESK_SMTP_TLS_CERT';
    throw new ConfigError(`Invalid configuration:\n  ${missing}: required when ${certFile ? 'RELAYDESK_SMTP_TLS_CERT' : 'RELAYDESK_SMTP_TLS_KEY'} is set`);
  }
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`Invalid configuration:\n  ${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const cert = read('RELAYDESK_SMTP_TLS_CERT', certFile);
  const key = read('RELAYDESK_SMTP_TLS_KEY', keyFile);
  const bad = (name: string, why: string) => new ConfigError(`Invalid configuration:\n  ${name}: ${why}`);
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw bad('RELAYDESK_SMTP_TLS_CERT', `${certFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString())) {
    throw bad('RELAYDESK_SMTP_TLS_KEY', `${keyFile} is protected by a passphrase; give the key without one (openssl pkey -in ${keyFile} -out key.pem)`);
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(key.toString())) throw bad('RELAYDESK_SMTP_TLS_KEY', `${keyFile} holds no PEM private key`);
  try {
    tls.createSecureContext({ cert, key });
  } catch (err) {
    const message = (err as Error).message;
    throw bad('RELAYDESK_SMTP_TLS_KEY', /mismatch/i.test(message) ? `the key in ${keyFile} does not belong to the certificate in ${certFile}` : `${keyFile} cannot be used with ${certFile} (${message})`);
  }
  return { cert, key };
}
