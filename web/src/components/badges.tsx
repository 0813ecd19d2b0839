import type { ReactNode } from 'react';
import { PRIORITY_LABEL, STATUS_LABEL } from '../format.ts';
import type { TicketStatus } from '../types.ts';

export type Tone = 'neutral' | 'blue' | 'green' | 'amber' | 'red' | 'purple' | 'gray';

export function Badge({ tone = 'neutral', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const statusTone: Record<TicketStatus, Tone> = { new: 'blue', in_progress: 'amber', waiting: 'purple', closed: 'gray' };

export function StatusBadge({ status }: { status: TicketStatus }) {
  return <Badge tone={statusTone[status] ?? 'neutral'}>{STATUS_LABEL[status] ?? status}</Badge>;
}

const priorityTone: Record<number, Tone> = { 1: 'red', 2: 'amber', 3: 'neutral', 4: 'gray' };

export function PriorityBadge({ priority }: { priority: number }) {
  return (
    <span className={`priority priority-${priority}`}>
      <span className={`dot dot-${priorityTone[priority] ?? 'neutral'}`} aria-hidden="true" />
      {PRIORITY_LABEL[priority] ?? `P${priority}`}
    </span>
  );
}

export function NoMainSiteFlag() {
  return (
    <Badge tone="amber" title="Alerts and imports cannot place tickets on a site for this customer until it has a main site">
      No main site
    </Badge>
  );
}
