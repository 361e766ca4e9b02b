import { type Alert, type AlertCondition, GroupAlert } from '../../contracts/alerts.ts';

/**
 * One `alerts` row (alert-sql.ts's ALERT_COLUMNS) as the REST API returns
 * it and as the group Durable Object evaluates it: the row and the two
 * shapes built from it. Both read the same row, so what a user sees and
 * what is evaluated cannot drift apart. `state` is the state in effect
 * (alert-sql.ts's EFFECTIVE_STATE: past its expiry reads `expired`).
 */
export type AlertRow = {
  id: string;
  user_id: string;
  instrument_token: number;
  exchange: string;
  tradingsymbol: string;
  condition: AlertCondition;
  cooldown_s: number | null;
  expires_at: Date | string | null;
  note: string | null;
  notify_sessions: boolean;
  webhook_url: string | null;
  state: Alert['state'];
  generation: number;
  last_triggered_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  /** created_at in whole microseconds: the list's cursor, exact where a Date would round. */
  created_us: string;
};

export function alertOf(row: AlertRow): Alert {
  return {
    id: row.id,
    user_id: row.user_id,
    instrument: { instrument_token: row.instrument_token, exchange: row.exchange, tradingsymbol: row.tradingsymbol },
    condition: row.condition,
    repeat: row.cooldown_s === null ? { type: 'once' } : { type: 'recurring', cooldown_s: row.cooldown_s },
    expires_at: isoOrNull(row.expires_at),
    note: row.note,
    channels: { sessions: row.notify_sessions, webhook: row.webhook_url === null ? null : { url: row.webhook_url } },
    state: row.state,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    last_triggered_at: isoOrNull(row.last_triggered_at),
    trigger_count: row.generation,
  };
}

/** The row as the group object takes it; parsed, so a row no schema allows (edited by hand) is refused by name, not evaluated. */
export function groupAlertOf(row: AlertRow): GroupAlert {
  const alert = alertOf(row);
  return GroupAlert.parse({ ...alert, generation: row.generation });
}

export function iso(value: Date | string): string {
  return new Date(value).toISOString();
}

export function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : iso(value);
}
