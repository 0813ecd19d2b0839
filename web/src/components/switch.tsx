/** busy: looks and acts disabled but keeps the keyboard focus (a disabled button loses it). */
export function Switch({ checked, onChange, label, disabled, busy = false, showState = false }: {
  checked: boolean;
  onChange(next: boolean): void;
  label: string;
  disabled?: boolean;
  busy?: boolean;
  showState?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      aria-disabled={busy || undefined}
      className={`switch ${checked ? 'switch-on' : ''}`}
      onClick={() => {
        if (!busy) onChange(!checked);
      }}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {showState && <span className="switch-state">{checked ? 'On' : 'Off'}</span>}
    </button>
  );
}
