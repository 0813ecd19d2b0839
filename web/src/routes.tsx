import type { ReactNode } from 'react';
import { matchPath } from './router.tsx';
import { TicketsList } from './screens/tickets-list.tsx';
import { TicketNew } from './screens/ticket-new.tsx';
import { TicketPage } from './screens/ticket-page.tsx';
import { CustomersList } from './screens/customers-list.tsx';
import { CustomerPage } from './screens/customer-page.tsx';
import { SitesList } from './screens/sites-list.tsx';
import { SitePage } from './screens/site-page.tsx';
import { AssetsList } from './screens/assets-list.tsx';
import { AssetPage } from './screens/asset-page.tsx';
import { Integrations } from './screens/integrations.tsx';
import { DattoSettings } from './screens/datto-settings.tsx';
import { Mailboxes } from './screens/mailboxes.tsx';
import { MailboxPage } from './screens/mailbox-page.tsx';
import { EmailRules } from './screens/email-rules.tsx';
import { EmailRulePage } from './screens/email-rule-page.tsx';
import { TicketTypes } from './screens/ticket-types.tsx';
import { Agents } from './screens/agents.tsx';
import { ApiTokens } from './screens/api-tokens.tsx';
import { AuditLog } from './screens/audit-log.tsx';
import { NotFound } from './screens/not-found.tsx';
import { Account } from './screens/account.tsx';

type Route = { path: string; admin?: boolean; render(p: Record<string, string>): ReactNode };

const id = (p: Record<string, string>) => Number(p.id);

export const ROUTES: Route[] = [
  { path: '/tickets', render: () => <TicketsList /> },
  { path: '/tickets/new', render: () => <TicketNew /> },
  { path: '/tickets/:id', render: (p) => <TicketPage key={p.id} id={id(p)} /> },
  { path: '/customers', render: () => <CustomersList /> },
  { path: '/customers/:id', render: (p) => <CustomerPage key={p.id} id={id(p)} /> },
  { path: '/sites', render: () => <SitesList /> },
  { path: '/sites/:id', render: (p) => <SitePage key={p.id} id={id(p)} /> },
  { path: '/assets', render: () => <AssetsList /> },
  { path: '/assets/:id', render: (p) => <AssetPage key={p.id} id={id(p)} /> },
  { path: '/config/integrations', admin: true, render: () => <Integrations /> },
  { path: '/config/integrations/datto-rmm', admin: true, render: () => <DattoSettings /> },
  { path: '/config/email/mailboxes', render: () => <Mailboxes /> },
  { path: '/config/email/mailboxes/:id', render: (p) => <MailboxPage key={p.id} id={id(p)} /> },
  { path: '/config/email/rules', render: () => <EmailRules /> },
  { path: '/config/email/rules/new', admin: true, render: () => <EmailRulePage key="new" id={null} /> },
  { path: '/config/email/rules/:id', admin: true, render: (p) => <EmailRulePage key={p.id} id={id(p)} /> },
  { path: '/config/ticket-types', render: () => <TicketTypes /> },
  { path: '/config/agents', render: () => <Agents /> },
  { path: '/config/api-tokens', render: () => <ApiTokens /> },
  { path: '/config/audit-log', admin: true, render: () => <AuditLog /> },
  { path: '/account', render: () => <Account /> },
];

export function renderRoute(path: string, isAdmin: boolean): ReactNode {
  for (const r of ROUTES) {
    const params = matchPath(r.path, path);
    if (!params) continue;
    if (r.path.endsWith('/:id') && !/^\d+$/.test(params.id ?? '')) continue;
    if (r.admin && !isAdmin) return <NotFound reason="forbidden" />;
    return r.render(params);
  }
  return <NotFound />;
}
