import { Store } from './store.ts';

/**
 * Short messages in a corner (an alert that fired, a key revoked), read out
 * by screen readers through their live region (views/Toasts.tsx); each
 * goes after `ms` or when closed.
 */
export type Toast = { id: number; tone: 'info' | 'alert' | 'problem'; title: string; body: string };

export const toasts = new Store<Toast[]>([]);
let nextId = 1;

export function toast(tone: Toast['tone'], title: string, body: string, ms = 8000): void {
  const id = nextId++;
  toasts.set([...toasts.get(), { id, tone, title, body }]);
  setTimeout(() => dismiss(id), ms);
}

export function dismiss(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}
