import { useSyncExternalStore } from 'react';

type Toast = { id: number; text: string; tone: 'ok' | 'error' };

let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

/** A short confirmation ("Saved") or failure message in the corner, read out by screen readers. */
export function toast(text: string, tone: Toast['tone'] = 'ok') {
  const id = nextId++;
  toasts = [...toasts, { id, text, tone }].slice(-3);
  emit();
  window.setTimeout(() => dismiss(id), tone === 'error' ? 8000 : 3500);
}

function dismiss(id: number) {
  toasts = toasts.filter((t) => t.id !== id);
  emit();
}

export function Toasts() {
  const list = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => toasts,
  );
  return (
    <div className="toasts" aria-live="polite" role="status">
      {list.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`}>
          <span>{t.text}</span>
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
