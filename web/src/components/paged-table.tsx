import type { ReactNode } from 'react';
import type { Page } from '../api.ts';
import type { Resource } from '../hooks/use-api.ts';
import { ErrorBox, Loading } from './states.tsx';

/** What a list screen reads from its data: the result of usePaged(), or one page from useApi() through pageOf(). */
export type PagedSource<T> = {
  items: T[];
  loading: boolean;
  error: unknown;
  reload(): void;
  hasMore?: boolean;
  loadingMore?: boolean;
  loadMore?(): void;
};

/** A single page fetched with useApi(), seen as a list without "load more"; a reload keeps the rows it has. */
export function pageOf<T>(resource: Resource<Page<T>> | Resource<{ items: T[] }>): PagedSource<T> {
  return { items: resource.data?.items ?? [], loading: resource.loading && resource.data === undefined, error: resource.error, reload: resource.reload };
}

type StatesProps<T> = {
  list: PagedSource<T>;
  /** The rows shown, when a filter on the client narrows list.items. */
  rows?: T[];
  errorTitle?: string;
  loadingLabel?: string;
  /** Shown once loaded without error when there are no rows, usually an <Empty>. */
  empty: ReactNode;
};

/** The error, loading and empty blocks above a list. */
export function ListStates<T>({ list, rows = list.items, errorTitle, loadingLabel, empty }: StatesProps<T>) {
  return (
    <>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} title={errorTitle} /> : null}
      {list.loading && list.items.length === 0 && <Loading label={loadingLabel} />}
      {!list.loading && !list.error && rows.length === 0 && empty}
    </>
  );
}

/** busyLabel: the text while the next page loads; without it the label stays. */
export function LoadMoreButton<T>({ list, label = 'Load more', busyLabel }: { list: PagedSource<T>; label?: string; busyLabel?: string }) {
  return (
    <button type="button" className="btn" onClick={list.loadMore} disabled={list.loadingMore}>
      {list.loadingMore && busyLabel ? busyLabel : label}
    </button>
  );
}

type PagedTableProps<T> = StatesProps<T> & {
  /** The header cells (<th>); none: no <thead>. */
  head?: ReactNode;
  row(item: T): ReactNode;
  className?: string;
  caption?: string;
  /** Wrap the table in a scrolling .table-wrap (the default); stale dims it while it reloads. */
  wrap?: boolean;
  stale?: boolean;
  /** Replaces the default footer: "Showing n" and "Load more" while there are more pages. */
  footer?: ReactNode;
};

/** A table over a cursor-paged list, with its error, loading and empty states and a "load more" footer. */
export function PagedTable<T>({ list, rows = list.items, head, row, className = 'table', caption, wrap = true, stale = false, footer, ...states }: PagedTableProps<T>) {
  const table = (
    <table className={className}>
      {caption && <caption className="sr-only">{caption}</caption>}
      {head && (
        <thead>
          <tr>{head}</tr>
        </thead>
      )}
      <tbody>{rows.map(row)}</tbody>
    </table>
  );
  return (
    <>
      <ListStates list={list} rows={rows} {...states} />
      {rows.length > 0 && (wrap ? <div className={stale ? 'table-wrap is-stale' : 'table-wrap'}>{table}</div> : table)}
      {footer !== undefined
        ? footer
        : list.hasMore && (
            <div className="list-footer">
              <span className="muted">Showing {list.items.length}</span>
              <LoadMoreButton list={list} busyLabel="Loading…" />
            </div>
          )}
    </>
  );
}
