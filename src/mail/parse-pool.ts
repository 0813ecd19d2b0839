import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger.ts';
import { inThreadParser, PARSER_OPTIONS, type MimeParse, type MimeParser } from './mail-parser.ts';

// Plain CommonJS so it runs in any worker, whatever loader the main thread uses (tsx, vitest).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { simpleParser } = require(workerData.mailparser);
parentPort.on('message', async ({ id, raw }) => {
  try {
    const p = await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), workerData.options);
    parentPort.postMessage({ id, result: {
      headerLines: p.headerLines, text: p.text, html: p.html, subject: p.subject, from: p.from, to: p.to, cc: p.cc,
      messageId: p.messageId, inReplyTo: p.inReplyTo, references: p.references, date: p.date,
      attachments: (p.attachments || []).map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, content: a.content })),
    } });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

export type ParsePool = { parse: MimeParser; close(): Promise<void> };

/**
 * MIME parsing on worker threads, so parsing uses the other cores while the main thread serves HTTP
 * and writes the database. Falls back to parsing in-thread when a worker is unavailable.
 */
export function createParsePool(opts: { size?: number; logger: Logger }): ParsePool {
  const size = opts.size ?? Math.max(0, Math.min(2, os.availableParallelism() - 1));
  if (size === 0) return { parse: inThreadParser, close: async () => {} };
  const mailparser = createRequire(import.meta.url).resolve('mailparser');
  type Pending = { resolve(v: MimeParse): void; reject(e: Error): void };
  const pending = new Map<number, Pending>();
  let seq = 0;
  let closed = false;
  const workers: Array<Worker | null> = [];

  const spawn = (i: number) => {
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { mailparser, options: PARSER_OPTIONS } });
    w.unref();
    w.on('message', (m: { id: number; result?: MimeParse; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
    });
    w.on('error', (err) => opts.logger.warn({ err }, 'mail parse worker failed'));
    w.on('exit', () => {
      workers[i] = null;
      // Whatever it was parsing is parsed again in-thread by the caller's retry.
      for (const [id, p] of pending) if ((id % size) === i) {
        pending.delete(id);
        p.reject(new WorkerLost());
      }
      if (!closed) setTimeout(() => !closed && spawn(i), 1000).unref();
    });
    workers[i] = w;
  };
  for (let i = 0; i < size; i++) spawn(i);

  class WorkerLost extends Error {}

  const parse: MimeParser = async (raw) => {
    const id = seq++;
    const worker = workers[id % size];
    if (!worker) return inThreadParser(raw);
    try {
      return await new Promise<MimeParse>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, raw });
      });
    } catch (err) {
      if (err instanceof WorkerLost) return inThreadParser(raw);
      throw err;
    }
  };

  return {
    parse,
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w?.terminate()));
    },
  };
}
