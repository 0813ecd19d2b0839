import client from 'prom-client';

export const mailMetrics = {
  received: new client.Counter({
    name: 'relaydesk_mail_received_total', help: 'Messages stored in the inbox, by receiver (imap, smtp, upload, cli)', labelNames: ['via'],
  }),
  duplicates: new client.Counter({
    name: 'relaydesk_mail_duplicates_total', help: 'Messages received again and recorded once', labelNames: ['via'],
  }),
  processed: new client.Counter({
    name: 'relaydesk_mail_processed_total', help: 'Messages processed, by outcome', labelNames: ['outcome'],
  }),
  latency: new client.Histogram({
    name: 'relaydesk_mail_processing_latency_seconds', help: 'From stored to outcome committed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  }),
  retries: new client.Counter({ name: 'relaydesk_mail_retries_total', help: 'Processing attempts given back to be retried' }),
};
