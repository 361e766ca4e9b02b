import type { Alert, TriggerView } from '@kite-edge/client';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeCondition } from '../alerts/conditions.ts';
import { explain } from '../problems.ts';
import { useWorkspace } from '../workspace.ts';

/**
 * The user's alerts (GET /alerts) with their state, a delete button each,
 * and the history of what fired (GET /alerts/triggers), refreshed when an
 * alert fires. New alerts are made from a watchlist row or a chart.
 */
export function AlertsView() {
  const { session } = useWorkspace();
  const [alerts, setAlerts] = useState<Alert[] | undefined>();
  const [history, setHistory] = useState<TriggerView[] | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const [page, triggers] = await Promise.all([session.rest.alerts({ limit: 100 }), session.rest.alertTriggers({ limit: 50 })]);
      setAlerts(page.alerts);
      setHistory(triggers.triggers);
      setProblem(undefined);
    } catch (error) {
      setProblem(explain(error));
    }
  }, [session]);

  useEffect(() => {
    void load();
    return session.live.on('alert', () => void load());
  }, [session, load]);

  const remove = async (alert: Alert) => {
    try {
      await session.rest.deleteAlert(alert.id);
      await load();
    } catch (error) {
      setProblem(explain(error));
    }
  };

  return (
    <section aria-labelledby="alerts-title" class="page">
      <h1 id="alerts-title">Alerts</h1>
      <p class="hint">Create an alert from a watchlist row or a chart. When one fires, it shows here and as a notification on any page.</p>
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
      {alerts === undefined ? (
        <p role="status">Loading your alerts…</p>
      ) : alerts.length === 0 ? (
        <p class="empty">No alerts yet.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Your alerts</caption>
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Condition</th>
              <th scope="col">State</th>
              <th scope="col" class="wide-only">
                Fired
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert) => (
              <tr key={alert.id} data-testid="alert-row" data-state={alert.state}>
                <th scope="row">
                  {alert.instrument.exchange}:{alert.instrument.tradingsymbol}
                </th>
                <td>
                  {describeCondition(alert.condition)}
                  {alert.note && <span class="note"> ({alert.note})</span>}
                </td>
                <td>{alert.state}</td>
                <td class="wide-only">{alert.trigger_count}×</td>
                <td class="actions">
                  <button
                    type="button"
                    class="quiet danger"
                    onClick={() => void remove(alert)}
                    aria-label={`Delete the alert on ${alert.instrument.tradingsymbol}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>History</h2>
      {history === undefined ? null : history.length === 0 ? (
        <p class="empty">Nothing has fired yet.</p>
      ) : (
        <ol class="history">
          {history.map((fired) => (
            <li key={fired.idempotency_key} data-testid="alert-history-row">
              <time dateTime={fired.triggered_at}>{new Date(fired.triggered_at).toLocaleString()}</time>{' '}
              <strong>
                {fired.instrument.exchange}:{fired.instrument.tradingsymbol}
              </strong>{' '}
              {describeCondition(fired.condition)}: last price {fired.last_price}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
