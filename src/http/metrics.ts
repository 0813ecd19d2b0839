import client from 'prom-client';

client.collectDefaultMetrics({ prefix: 'relaydesk_' });

export const httpDuration = new client.Histogram({
  name: 'relaydesk_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

export const metricsRegistry = client.register;
