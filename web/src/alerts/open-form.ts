import { Store } from '../store.ts';

/**
 * Which instrument the alert form is open for (views/AlertForm.tsx draws
 * it as a dialog over any page). A watchlist row and the chart open it.
 */
export type AlertTarget = { instrument_token: number; exchange: string; tradingsymbol: string; last_price?: number };

export const alertFormFor = new Store<AlertTarget | null>(null);

/** Opens the alert form for this instrument, over whatever page is shown. */
export function openAlertForm(target: AlertTarget): void {
  alertFormFor.set(target);
}

export function closeAlertForm(): void {
  alertFormFor.set(null);
}
