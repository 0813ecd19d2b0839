import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import type { Job } from '../types.ts';

/** Follows a background job until it is done or failed. */
export function useJob(jobId: number | null, everyMs = 500) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    setJob(null);
    setError(null);
    if (jobId === null) return;
    let live = true;
    let timer = 0;
    const poll = async () => {
      try {
        const j = await api.get<Job>(`/api/jobs/${jobId}`);
        if (!live) return;
        setJob(j);
        if (j.state === 'queued' || j.state === 'running') timer = window.setTimeout(poll, everyMs);
      } catch (err) {
        if (live) setError(err as Error);
      }
    };
    void poll();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [jobId, everyMs]);
  return { job, error, running: job !== null && (job.state === 'queued' || job.state === 'running') };
}
