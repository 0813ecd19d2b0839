import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { Logger } from '../../logger.ts';
import type { SmtpSettings } from '../mailbox.schemas.ts';
import type { Receipt } from '../inbox.service.ts';

export type SmtpReceiverDeps = {
  mailboxId: number;
  settings: SmtpSettings;
  host: string;
  /** Certificate and key to offer STARTTLS with; without them the server speaks plain SMTP only. */
  tls?: { cert: Buffer; key: Buffer } | null;
  logger: Logger;
  /** Stores the message durably; the client gets 250 only after this resolved. */
  store(raw: Buffer): Promise<Receipt>;
  health(h: { connected: boolean; lastError: string | null }): Promise<void>;
};

export type Receiver = { stop(): Promise<void> };

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * Inbound SMTP for one mailbox: accepts mail for the mailbox's addresses only, refuses what is over
 * the size limit, and answers 250 once the message is stored (4xx when it cannot be stored, so the
 * sending server keeps it and retries).
 */
export async function startSmtpReceiver(d: SmtpReceiverDeps): Promise<Receiver> {
  const addresses = new Set(d.settings.addresses.map((a) => a.toLowerCase()));
  const server = new SMTPServer({
    name: 'relaydesk',
    banner: 'Relaydesk inbound mail',
    size: d.settings.maxMessageBytes,
    authOptional: true,
    disabledCommands: d.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(d.tls ? { key: d.tls.key, cert: d.tls.cert } : {}),
    logger: false,
    maxClients: 200,
    socketTimeout: 120_000,
    closeTimeout: 2000,
    onRcptTo(address, _client, callback) {
      if (!addresses.has(address.address.toLowerCase())) {
        return callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, _client, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= d.settings.maxMessageBytes) chunks.push(c);
      });
      stream.on('error', (err) => callback(smtpError(451, `4.3.0 ${err.message}`)));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > d.settings.maxMessageBytes) {
          return callback(smtpError(552, `5.3.4 message is larger than ${d.settings.maxMessageBytes} bytes`));
        }
        d.store(Buffer.concat(chunks, size)).then(
          (r) => callback(null, r.duplicate ? `2.0.0 already stored as message ${r.id}` : `2.0.0 stored as message ${r.id}`),
          (err: Error) => {
            d.logger.warn({ err: err.message, mailboxId: d.mailboxId }, 'inbound SMTP message could not be stored');
            callback(smtpError(451, '4.3.0 the message could not be stored; try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => d.logger.warn({ err: err.message, mailboxId: d.mailboxId }, 'SMTP receiver error'));

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.server.once('error', onError);
      server.listen(d.settings.port, d.host, () => {
        server.server.off('error', onError);
        resolve();
      });
    });
  } catch (err) {
    await d.health({ connected: false, lastError: `cannot listen on port ${d.settings.port}: ${(err as Error).message}` });
    throw err;
  }
  await d.health({ connected: true, lastError: null });
  d.logger.info({ mailboxId: d.mailboxId, port: d.settings.port }, 'SMTP receiver listening');

  return {
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await d.health({ connected: false, lastError: null }).catch(() => {});
    },
  };
}
