import type { Ticket } from '../types.ts';
import { Link } from '../router.tsx';
import { PriorityBadge, StatusBadge } from './badges.tsx';
import { formatShort } from '../format.ts';

/** One ticket as a row of the short ticket tables on customer, site and asset pages. */
export function CompactTicketRow({ ticket: t }: { ticket: Ticket }) {
  return (
    <tr>
      <td className="col-num">{t.number}</td>
      <td><Link to={`/tickets/${t.id}`}>{t.summary}</Link></td>
      <td><PriorityBadge priority={t.priority} /></td>
      <td><StatusBadge status={t.status} /></td>
      <td className="nowrap muted">{formatShort(t.updatedAt)}</td>
    </tr>
  );
}
