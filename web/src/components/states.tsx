import type { ReactNode } from 'react';
import { ApiError, messageOf } from '../api.ts';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

function hintFor(err: unknown): string | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 0) return null;
  if (err.status === 403) return 'Ask an administrator if you need access.';
  if (err.status === 404) return 'Check the link, or go back to the list.';
  if (err.status >= 500) return 'Try again in a moment. If it keeps failing, an administrator can find details in the server log.';
  return null;
}

export function ErrorBox({ error, onRetry, title = 'Could not load this' }: { error: unknown; onRetry?: () => void; title?: string }) {
  const hint = hintFor(error);
  return (
    <div className="state state-error" role="alert">
      <div>
        <strong>{title}.</strong> {messageOf(error)}
        {hint && <div className="muted">{hint}</div>}
      </div>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** An error from a form or a button, shown where the user acted. */
export function InlineError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="inline-error" role="alert">
      {messageOf(error)}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

export function Callout({ tone = 'warn', title, children }: { tone?: 'warn' | 'info' | 'ok' | 'danger'; title?: string; children?: ReactNode }) {
  return (
    <div className={`callout callout-${tone}`} role={tone === 'danger' ? 'alert' : undefined}>
      {title && <strong>{title} </strong>}
      {children}
    </div>
  );
}
