import { ApiError } from '../api.ts';
import { Link } from '../router.tsx';
import { PageHeader } from './page.tsx';
import { ErrorBox } from './states.tsx';

/** The record an address names is not there (404), as opposed to a failure to read it. */
export const isMissing = (error: unknown) => error instanceof ApiError && error.status === 404;

type Props = {
  error: unknown;
  onRetry(): void;
  /** How the record is named in a heading: "Ticket #12". */
  name: string;
  /** The kind of record, in lower case: "ticket". */
  what: string;
  /** The list the record belongs to: its breadcrumb and address, and how a sentence names it. */
  list: { crumb: string; to: string; label: string };
};

/**
 * A detail page whose own record did not load. A missing record is said so, with a link back to its
 * list and no "Try again", which could only fail the same way; any other failure shows the error
 * and offers to try again.
 */
export function RecordError({ error, onRetry, name, what, list }: Props) {
  const crumbs = [{ label: list.crumb, to: list.to }];
  if (isMissing(error)) {
    return (
      <>
        <PageHeader title={`${name} does not exist`} crumbs={crumbs} />
        <div className="state state-empty">
          <strong>There is no {what} at this address.</strong>
          <div className="muted">
            It may have been deleted, or the link is wrong. <Link to={list.to}>Back to the {list.label}</Link>
          </div>
        </div>
      </>
    );
  }
  return (
    <>
      <PageHeader title={name} crumbs={crumbs} />
      <ErrorBox error={error} onRetry={onRetry} title={`Could not load the ${what}`} />
    </>
  );
}
