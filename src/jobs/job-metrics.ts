import client from 'prom-client';

export const jobMetrics = {
  completed: new client.Counter({
    name: 'relaydesk_jobs_finished_total', help: 'Job runs by kind and outcome', labelNames: ['kind', 'outcome'],
  }),
  duration: new client.Histogram({
    name: 'relaydesk_job_duration_seconds', help: 'Job run time', labelNames: ['kind'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
  }),
};
