export function Switch({ checked, onChange, label, disabled, showState = false }: {
  checked: boolean;
  onChange(next: boolean): void;
  label: string;
  disabled?: boolean;
  showState?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      className={`switch ${checked ? 'switch-on' : ''}`}
      onClick={() => onChange(!checked)}
    >
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {showState && <span className="switch-state">{checked ? 'On' : 'Off'}</span>}
    </button>
  );
}
