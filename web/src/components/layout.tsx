import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, navigate, useLocation } from '../router.tsx';
import { useSession } from '../session.tsx';

type NavItem = { to: string; label: string; admin?: boolean; match?: string[] };
type NavGroup = { title: string; items: NavItem[] };

const NAV: NavGroup[] = [
  {
    title: 'Service desk',
    items: [
      { to: '/tickets', label: 'Tickets' },
      { to: '/customers', label: 'Customers' },
      { to: '/sites', label: 'Sites' },
      { to: '/assets', label: 'Assets' },
    ],
  },
  {
    title: 'Configuration',
    items: [
      { to: '/config/integrations', label: 'Integrations', admin: true },
      { to: '/config/email/mailboxes', label: 'Mailboxes' },
      { to: '/config/email/rules', label: 'Email rules' },
      { to: '/config/ticket-types', label: 'Ticket types' },
      { to: '/config/agents', label: 'Agents' },
      { to: '/config/api-tokens', label: 'API tokens' },
      { to: '/config/audit-log', label: 'Audit log', admin: true },
    ],
  },
];

const isActive = (item: NavItem, path: string) =>
  (item.match ?? [item.to]).some((m) => path === m || path.startsWith(`${m}/`));

function initials(name: string) {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((p) => p[0]!.toUpperCase())
    .join('');
}

export function Layout({ children }: { children: ReactNode }) {
  const { me, isAdmin, signOut } = useSession();
  const { path, query } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [search, setSearch] = useState(path === '/tickets' ? query.get('q') ?? '' : '');

  useEffect(() => setMenuOpen(false), [path]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setMenuOpen(false);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [menuOpen]);

  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    const q = search.trim();
    navigate(q ? `/tickets?status=all&q=${encodeURIComponent(q)}` : '/tickets');
  };

  return (
    <div className={`shell ${menuOpen ? 'menu-open' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar" id="sidebar" aria-label="Main navigation">
        <div className="brand">
          <Link to="/tickets" className="brand-link">
            <span className="brand-mark" aria-hidden="true">R</span>
            Relaydesk
          </Link>
        </div>
        <nav className="nav">
          {NAV.map((g) => {
            const items = g.items.filter((i) => !i.admin || isAdmin);
            if (!items.length) return null;
            return (
              <div key={g.title} className="nav-group">
                <div className="nav-title">{g.title}</div>
                <ul>
                  {items.map((i) => (
                    <li key={i.to}>
                      <Link to={i.to} className={`nav-link ${isActive(i, path) ? 'active' : ''}`} aria-current={isActive(i, path) ? 'page' : undefined}>
                        {i.label}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
        <div className="sidebar-footer">
          <div className="who-row">
            <span className="avatar" aria-hidden="true">{initials(me.name) || '?'}</span>
            <div className="who">
              <div className="who-name" title={me.email}>{me.name}</div>
              <div className="who-role">{me.role === 'admin' ? 'Administrator' : 'Agent'}</div>
            </div>
          </div>
          <Link to="/account" className="btn btn-small btn-ghost-dark btn-block-dark">
            Your account
          </Link>
          <button type="button" className="btn btn-small btn-ghost-dark btn-block-dark" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </aside>
      <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />
      <div className="main-column">
        <header className="topbar">
          <button
            type="button"
            className="btn btn-icon menu-button"
            aria-controls="sidebar"
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen((o) => !o)}
          >
            <span className="hamburger" aria-hidden="true" />
            <span className="sr-only">Menu</span>
          </button>
          <form className="topbar-search" role="search" onSubmit={submitSearch}>
            <label htmlFor="global-search" className="sr-only">
              Search tickets
            </label>
            <input id="global-search" type="search" placeholder="Search tickets…" value={search} onChange={(e) => setSearch(e.target.value)} />
          </form>
          <Link to="/tickets/new" className="btn btn-primary">
            New ticket
          </Link>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
