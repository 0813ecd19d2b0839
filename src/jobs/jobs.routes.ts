import { z } from 'zod';
import type { HttpApp } from '../integrations/registry.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { idParams, pageOf, pageQuery } from '../http/schemas.ts';
import { decodeCursor, toPage } from '../core/paging.ts';
import type { Database } from '../db/database.ts';
import { findJob, listJobs, requeueFailed, type JobRow } from './job.repository.ts';

export const jobShape = z.object({
  id: z.number(), kind: z.string(), state: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.object({ done: z.number(), total: z.number().nullable() }), attempts: z.number(), maxAttempts: z.number(),
  error: z.string().nullable(), result: z.unknown(), runAt: z.string(), createdAt: z.string(), finishedAt: z.string().nullable(),
});

export const presentJob = (j: JobRow) => ({
  id: j.id, kind: j.kind, state: j.state, progress: { done: j.progress_done, total: j.progress_total }, attempts: j.attempts,
  maxAttempts: j.max_attempts, error: j.last_error, result: j.result ? JSON.parse(j.result) : null, runAt: j.run_at,
  createdAt: j.created_at, finishedAt: j.finished_at,
});

export function jobsRoutes(app: HttpApp, db: Database, wake: () => void) {
  app.get('/api/jobs', {
    schema: {
      tags: ['jobs'], querystring: z.object({ ...pageQuery, kind: z.string().optional(), state: z.enum(['queued', 'running', 'done', 'failed']).optional() }),
      response: { 200: pageOf(jobShape) },
    },
  }, async (req) => {
    const c = decodeCursor(req.query.cursor);
    const rows = await listJobs(db, { kind: req.query.kind, state: req.query.state, beforeId: c?.id, limit: req.query.limit + 1 });
    return toPage(rows, req.query.limit, presentJob, (r) => ({ id: r.id }));
  });

  app.get('/api/jobs/:id', { schema: { tags: ['jobs'], params: idParams, response: { 200: jobShape } } }, async (req) => {
    const job = await findJob(db, req.params.id);
    if (!job) throw new NotFoundError('Job', req.params.id);
    return presentJob(job);
  });

  app.post('/api/jobs/:id/retry', { config: { access: 'admin' }, schema: { tags: ['jobs'], params: idParams, response: { 200: jobShape } } }, async (req) => {
    const job = await findJob(db, req.params.id);
    if (!job) throw new NotFoundError('Job', req.params.id);
    if (!(await requeueFailed(db, job.id, new Date().toISOString()))) throw new ConflictError(`Job ${job.id} is ${job.state}; only a failed job can be retried`);
    wake();
    return presentJob((await findJob(db, job.id))!);
  });
}
