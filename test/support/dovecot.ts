import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './mail-helpers.ts';

const DOVECOT_CANDIDATES = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

/** Why dovecot tests cannot run here, or null. Throws in CI, where the server must be present. */
export function dovecotSkipReason(): string | null {
  if (DOVECOT_CANDIDATES.some((p) => fs.existsSync(p))) return null;
  const reason = 'dovecot is not installed (Debian: apt-get install dovecot-imapd); IMAP tests are skipped';
  if (process.env.CI) throw new Error(`${reason.split(';')[0]}, and CI must run the IMAP tests`);
  return reason;
}

export type Dovecot = {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The Maildir of the user's INBOX. */
  maildir: string;
  tls: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Appends through IMAP; returns the UID. */
  append(raw: Buffer | string, folder?: string): Promise<number>;
  /** Writes straight into the Maildir (works while the server is down). */
  deliverToMaildir(raw: Buffer | string): void;
  /** Flags of every message in a folder, by Message-ID header. */
  listFolder(folder?: string): Promise<Array<{ uid: number; flags: string[]; messageId: string | null }>>;
  client(): ImapFlow;
  close(): Promise<void>;
};

function ownerIds(): { uid: number; gid: number } {
  // Dovecot refuses to access mail as root; under root the mail belongs to the "mail" system user.
  if (process.getuid?.() !== 0) return { uid: process.getuid!(), gid: process.getgid!() };
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('mail:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 8), gid: Number(gid ?? 8) };
}

/**
 * A private dovecot for one test file: its own config, base_dir, passwd file and Maildir under a
 * temp folder, listening on a free loopback port; no system service is touched.
 */
export async function startDovecot(opts: { tls?: boolean } = {}): Promise<Dovecot> {
  const binary = DOVECOT_CANDIDATES.find((p) => fs.existsSync(p));
  if (!binary) throw new Error('dovecot is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relaydesk-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'helpdesk';
  const password = `pw-${crypto.randomBytes(6).toString('hex')}`;
  const { uid, gid } = ownerIds();
  const home = path.join(dir, 'home', user);
  const maildir = path.join(dir, 'mail', user);
  for (const d of [home, path.join(maildir, 'new'), path.join(maildir, 'cur'), path.join(maildir, 'tmp')]) fs.mkdirSync(d, { recursive: true });
  for (const d of [path.join(dir, 'home'), home, path.join(dir, 'mail'), maildir, ...['new', 'cur', 'tmp'].map((x) => path.join(maildir, x))]) {
    fs.chownSync(d, uid, gid);
  }
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}:${uid}:${gid}::${home}::\n`);
  const tls = !!opts.tls;
  if (tls) {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  }
  const conf = `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
${tls ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no'}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 1
first_valid_gid = 1
default_login_user = dovenull
default_internal_user = dovecot
login_trusted_networks = 127.0.0.0/8
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service stats {
  inet_listener http {
    port = 0
  }
}
`;
  const confFile = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(confFile, conf);

  let child: ChildProcess | null = null;
  const waitForPort = async () => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const sock = new net.Socket();
        sock.once('connect', () => { sock.destroy(); resolve(true); });
        sock.once('error', () => resolve(false));
        sock.connect(port, '127.0.0.1');
      });
      if (ok) return;
      if (Date.now() > deadline) {
        const log = fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8').slice(-2000) : '';
        throw new Error(`dovecot did not listen on ${port}: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const d: Dovecot = {
    host: '127.0.0.1', port, user, password, maildir, tls,
    async start() {
      if (child) return;
      // Its own process group, so stopping it also ends the per-connection imap processes at once.
      child = spawn(binary, ['-F', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      child.stderr?.on('data', () => {});
      await waitForPort();
    },
    async stop() {
      const c = child;
      if (!c) return;
      child = null;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      const group = (signal: NodeJS.Signals) => {
        try {
          process.kill(-c.pid!, signal);
        } catch {
          // already gone
        }
      };
      group('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      group('SIGKILL');
    },
    async restart() {
      await d.stop();
      await d.start();
    },
    client: () => new ImapFlow({
      host: '127.0.0.1', port, secure: false, doSTARTTLS: tls ? true : false, auth: { user, pass: password }, logger: false,
      tls: { rejectUnauthorized: false },
    }),
    async append(raw, folder = 'INBOX') {
      const c = d.client();
      await c.connect();
      try {
        const r = await c.append(folder, raw);
        return r && typeof r === 'object' && r.uid ? r.uid : 0;
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    deliverToMaildir(raw) {
      const name = `${Date.now()}.${crypto.randomBytes(6).toString('hex')}.relaydesk-test`;
      const tmp = path.join(maildir, 'tmp', name);
      fs.writeFileSync(tmp, raw);
      fs.chownSync(tmp, uid, gid);
      fs.renameSync(tmp, path.join(maildir, 'new', name));
    },
    async listFolder(folder = 'INBOX') {
      const c = d.client();
      await c.connect();
      try {
        const box = await c.mailboxOpen(folder.split('/'));
        if (!box.exists) return [];
        const out: Array<{ uid: number; flags: string[]; messageId: string | null }> = [];
        for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true })) {
          out.push({ uid: m.uid, flags: [...(m.flags ?? [])], messageId: m.envelope?.messageId ?? null });
        }
        return out;
      } finally {
        await c.logout().catch(() => c.close());
      }
    },
    async close() {
      await d.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await d.start();
  return d;
}
