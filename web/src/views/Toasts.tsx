import { useStore } from '../store.ts';
import { dismiss, toasts } from '../toasts.ts';

export function Toasts() {
  const shown = useStore(toasts);
  return (
    <section class="toasts" aria-live="polite" aria-label="Notifications">
      {shown.map((t) => (
        <div key={t.id} class={`toast toast-${t.tone}`} role={t.tone === 'alert' ? 'alert' : 'status'} data-testid="toast">
          <strong>{t.title}</strong>
          <p>{t.body}</p>
          <button type="button" class="quiet" aria-label="Close notification" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
