import type { ApiKey, NewApiKey } from '@kite-edge/client';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { explain } from '../problems.ts';
import { toast } from '../toasts.ts';
import { useWorkspace } from '../workspace.ts';

type Scope = ApiKey['scopes'][number];

/**
 * API keys for the user's programs (docs/auth.md#api-keys): create one (its
 * secret shown this once, with a copy button), list them, revoke one
 * (which also closes the sockets it opened).
 */
export function KeysView() {
  const { session } = useWorkspace();
  const [keys, setKeys] = useState<ApiKey[] | undefined>();
  const [created, setCreated] = useState<NewApiKey | undefined>();
  const [problem, setProblem] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      setKeys((await session.rest.apiKeys()).keys);
    } catch (error) {
      setProblem(explain(error));
    }
  }, [session]);
  useEffect(() => void load(), [load]);

  const create = async (event: Event) => {
    event.preventDefault();
    const formElement = event.currentTarget as HTMLFormElement;
    const form = new FormData(formElement);
    const scopes = form.getAll('scope').map(String) as Scope[];
    setProblem(undefined);
    try {
      setCreated(await session.rest.createApiKey(String(form.get('name') ?? '').trim(), scopes));
      formElement.reset();
      await load();
    } catch (error) {
      setProblem(explain(error));
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke “${key.name}”? Programs using it stop at once.`)) return;
    try {
      await session.rest.revokeApiKey(key.id);
      toast('info', 'Key revoked', `${key.name} (${key.id}) no longer works.`);
      await load();
    } catch (error) {
      setProblem(explain(error));
    }
  };

  return (
    <section aria-labelledby="keys-title" class="page">
      <h1 id="keys-title">API keys</h1>
      <p class="hint">
        A key lets your own programs use the platform: Kite's <code>api_key</code> is its id, its <code>access_token</code> the secret.
      </p>
      <form class="inline-form" onSubmit={create} data-testid="api-key-form">
        <label>
          Name
          <input name="name" required maxLength={100} placeholder="my strategy" data-testid="api-key-name" />
        </label>
        <fieldset class="inline">
          <legend>Allows</legend>
          <label class="inline">
            <input type="checkbox" name="scope" value="read" defaultChecked /> market data
          </label>
          <label class="inline">
            <input type="checkbox" name="scope" value="alerts" /> alerts
          </label>
        </fieldset>
        <button type="submit" data-testid="api-key-create">
          Create key
        </button>
      </form>
      {problem && (
        <p class="notice notice-problem" role="alert">
          {problem}
        </p>
      )}
      {created && <NewSecret created={created} onDone={() => setCreated(undefined)} />}
      {keys === undefined ? (
        <p role="status">Loading your keys…</p>
      ) : keys.length === 0 ? (
        <p class="empty">No keys yet.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Your API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Id</th>
              <th scope="col" class="wide-only">
                Allows
              </th>
              <th scope="col" class="wide-only">
                Last used
              </th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key.id} data-testid="api-key-row" data-key-id={key.id} data-state={key.revoked_at ? 'revoked' : 'active'}>
                <th scope="row">{key.name}</th>
                <td>
                  <code>{key.id}</code>
                </td>
                <td class="wide-only">{key.scopes.join(', ')}</td>
                <td class="wide-only">{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'never'}</td>
                <td class="actions">
                  {key.revoked_at ? (
                    <span class="revoked">revoked</span>
                  ) : (
                    <button type="button" class="quiet danger" onClick={() => void revoke(key)} aria-label={`Revoke ${key.name}`} data-testid="api-key-revoke">
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewSecret({ created, onDone }: { created: NewApiKey; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.secret);
      setCopied(true);
    } catch {
      toast('problem', 'Could not copy', 'Your browser refused the clipboard: select the secret and copy it by hand.');
    }
  };
  return (
    <section class="secret" aria-label="The new key's secret" data-testid="api-key-secret">
      <p>
        <strong>{created.name}</strong> is ready. Copy its secret now: it is shown this once and cannot be shown again.
      </p>
      <p>
        id <code>{created.id}</code>
      </p>
      <p>
        secret <code data-testid="api-key-secret-value">{created.secret}</code>{' '}
        <button type="button" onClick={() => void copy()} data-testid="api-key-copy">
          {copied ? 'Copied' : 'Copy'}
        </button>
      </p>
      <button type="button" class="quiet" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
