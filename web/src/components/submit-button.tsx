import type { ReactNode } from 'react';

/** A form's primary button on its own row: disabled and relabelled while the form is being sent. */
export function SubmitActions({ busy, busyLabel, children }: { busy: boolean; busyLabel: string; children: ReactNode }) {
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? busyLabel : children}
      </button>
    </div>
  );
}
