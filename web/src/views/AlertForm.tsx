import { useEffect, useRef, useState } from 'preact/hooks';
import { CONDITIONS, type ConditionType, conditionOf } from '../alerts/conditions.ts';
import { alertFormFor, closeAlertForm } from '../alerts/open-form.ts';
import { explain } from '../problems.ts';
import { useStore } from '../store.ts';
import { toast } from '../toasts.ts';
import { useWorkspace } from '../workspace.ts';

/**
 * The alert form (POST /alerts, docs/alerts.md) as a modal dialog over any
 * page, for the instrument `openAlertForm` named: a condition and its
 * bound, once or recurring, a note. The platform's refusal is shown in
 * plain words beside the form; it stays open until the alert exists.
 */
export function AlertForm() {
  const target = useStore(alertFormFor);
  const { session } = useWorkspace();
  const dialog = useRef<HTMLDialogElement>(null);
  const [type, setType] = useState<ConditionType>('price_above');
  const [recurring, setRecurring] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setProblem(undefined);
    if (target && !dialog.current?.open) dialog.current?.showModal();
    if (!target && dialog.current?.open) dialog.current.close();
  }, [target]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!target) return;
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const note = String(form.get('note') ?? '').trim();
    setBusy(true);
    try {
      await session.rest.createAlert({
        instrument: target.instrument_token,
        condition: conditionOf(type, Number(form.get('value'))),
        repeat: recurring ? { type: 'recurring', cooldown_s: Number(form.get('cooldown')) } : { type: 'once' },
        ...(note ? { note } : {}),
      });
      toast('info', 'Alert created', `${target.exchange}:${target.tradingsymbol}: you will be told here when it fires.`);
      closeAlertForm();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  };

  const field = CONDITIONS.find((c) => c.type === type);
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="alert-form-title" onClose={closeAlertForm}>
      {target && (
        <form onSubmit={submit} data-testid="alert-form">
          <h2 id="alert-form-title">
            New alert on {target.exchange}:{target.tradingsymbol}
          </h2>
          <label>
            When
            <select name="type" value={type} onChange={(event) => setType((event.currentTarget as HTMLSelectElement).value as ConditionType)}>
              {CONDITIONS.map((c) => (
                <option key={c.type} value={c.type}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            {field?.field === 'percent' ? 'Percent' : field?.field === 'price' ? 'Price (₹)' : field?.field === 'oi' ? 'Open interest' : 'Volume'}
            <input
              name="value"
              type="number"
              step="any"
              required
              defaultValue={field?.field === 'price' && target.last_price !== undefined ? String(target.last_price) : ''}
              data-testid="alert-value"
            />
          </label>
          <fieldset>
            <legend>Fires</legend>
            <label class="inline">
              <input type="radio" name="repeat" checked={!recurring} onChange={() => setRecurring(false)} /> once
            </label>
            <label class="inline">
              <input type="radio" name="repeat" checked={recurring} onChange={() => setRecurring(true)} /> every time, at most every
            </label>
            {recurring && (
              <label class="inline">
                <input name="cooldown" type="number" min={1} defaultValue="60" required class="short" /> seconds
              </label>
            )}
          </fieldset>
          <label>
            Note (optional)
            <input name="note" maxLength={500} />
          </label>
          {problem && (
            <p class="notice notice-problem" role="alert">
              {problem}
            </p>
          )}
          <div class="buttons">
            <button type="submit" disabled={busy} data-testid="alert-submit">
              Create alert
            </button>
            <button type="button" class="quiet" onClick={closeAlertForm}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
