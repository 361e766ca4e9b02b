import type { AlertCondition } from '@kite-edge/client';
import { formatCount } from '../format.ts';

/** The alert conditions (docs/alerts.md#conditions) as the form offers them and the pages describe them. */
export type ConditionType = AlertCondition['type'];

export const CONDITIONS: { type: ConditionType; label: string; field: 'price' | 'percent' | 'volume' | 'oi'; unit: string }[] = [
  { type: 'price_above', label: 'Price at or above', field: 'price', unit: '₹' },
  { type: 'price_below', label: 'Price at or below', field: 'price', unit: '₹' },
  { type: 'crosses_up', label: 'Price crosses up through', field: 'price', unit: '₹' },
  { type: 'crosses_down', label: 'Price crosses down through', field: 'price', unit: '₹' },
  { type: 'change_pct_above', label: 'Day change at or above', field: 'percent', unit: '%' },
  { type: 'change_pct_below', label: 'Day change at or below', field: 'percent', unit: '%' },
  { type: 'volume_above', label: 'Volume at or above', field: 'volume', unit: '' },
  { type: 'oi_above', label: 'Open interest at or above', field: 'oi', unit: '' },
];

export function conditionOf(type: ConditionType, value: number): AlertCondition {
  const field = CONDITIONS.find((c) => c.type === type)?.field ?? 'price';
  return { type, [field]: value } as AlertCondition;
}

export function describeCondition(condition: AlertCondition): string {
  const known = CONDITIONS.find((c) => c.type === condition.type);
  const value = 'price' in condition ? condition.price : 'percent' in condition ? condition.percent : 'volume' in condition ? condition.volume : condition.oi;
  if (!known) return `${condition.type} ${value}`;
  return known.unit === '%' ? `${known.label} ${value}%` : `${known.label} ${known.unit}${formatCount(value)}`;
}
