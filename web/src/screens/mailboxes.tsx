import { useState } from 'react';
import { api, ApiError } from '../api.ts';
import { Badge } from '../components/badges.tsx';
import { Card, PageHeader, useTitle } from '../components/page.tsx';
import { Callout, Empty, ErrorBox, Loading } from '../components/states.tsx';
import { toast } from '../components/toasts.tsx';
import { formatAgo, formatDateTime } from '../format.ts';
import { useApi } from '../hooks/use-api.ts';
import { useAutoRefresh } from '../hooks/use-auto-refresh.ts';
import type { Mailbox } from '../mail-types.ts';
import { Link, navigate } from '../router.tsx';
import { bodyOf, MailboxForm } from './mailbox-form.tsx';
import { useSession } from '../session.tsx';

const KIND_LABEL = { imap: 'IMAP', smtp: 'SMTP', upload: 'Upload' } as const;

export function HealthBadge({ mailbox }: { mailbox: Mailbox }) {
  if (!mailbox.enabled) return <Badge tone="gray">Disabled</Badge>;
  if (mailbox.health.lastError && !mailbox.health.connected) return <Badge tone="red" title={mailbox.health.lastError}>Error</Badge>;
  if (mailbox.kind === 'upload') return <Badge tone="green">Ready</Badge>;
  return mailbox.health.connected ? <Badge tone="green">Connected</Badge> : <Badge tone="amber">Not connected</Badge>;
}

export function Mailboxes() {
  useTitle('Mailboxes');
  const list = useApi<{ items: Mailbox[] }>('/api/mailboxes');
  // Health and last message change on their own, as on a mailbox's page.
  useAutoRefresh(list.refresh, 5000);
  const [adding, setAdding] = useState(false);
  // Agents see the mailboxes, their health and trace, and upload mail; administrators set them up.
  const { isAdmin } = useSession();
  const missing = list.error instanceof ApiError && list.error.status === 404;

  return (
    <>
      <PageHeader
        title="Mailboxes"
        actions={
          isAdmin && !adding && !missing && (
            <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}>
              Add mailbox
            </button>
          )
        }
      />
      <p className="page-intro muted">
        Every message a mailbox receives is stored first, then run through the <Link to="/config/email/rules">email rules</Link> in order.
      </p>
      {adding && (
        <Card title="New mailbox">
          <MailboxForm
            submitLabel="Add mailbox"
            onCancel={() => setAdding(false)}
            onSubmit={async (d) => {
              const m = await api.post<Mailbox>('/api/mailboxes', bodyOf(d));
              toast(`Mailbox ${m.name} added`);
              navigate(`/config/email/mailboxes/${m.id}`);
            }}
          />
        </Card>
      )}
      {missing && <Callout tone="warn" title="This server does not offer mailboxes yet.">Update Relaydesk to a version with e-mail support.</Callout>}
      {list.error && !missing && <ErrorBox error={list.error} onRetry={list.reload} title="Could not load the mailboxes" />}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.items.length === 0 && !adding && (
        <Empty title="No mailboxes yet">Add one for Datto RMM alert e-mails and for your support address.</Empty>
      )}
      {list.data && list.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Health</th>
                <th scope="col">Last message</th>
                <th scope="col" className="col-optional">Last error</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/config/email/mailboxes/${m.id}`} className="mailbox-link">
                      {m.name}
                    </Link>
                    <div className="muted small">
                      {m.kind === 'imap' && m.imap ? `${m.imap.username} @ ${m.imap.host}` : m.kind === 'smtp' && m.smtp ? `${m.smtp.addresses.join(', ')} · port ${m.smtp.port}` : ''}
                    </div>
                  </td>
                  <td>{KIND_LABEL[m.kind]}</td>
                  <td><HealthBadge mailbox={m} /></td>
                  <td title={formatDateTime(m.health.lastMessageAt)}>{m.health.lastMessageAt ? formatAgo(m.health.lastMessageAt) : <span className="muted">never</span>}</td>
                  <td className="col-optional cell-clip text-danger" title={m.health.lastError ?? undefined}>{m.health.lastError ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
