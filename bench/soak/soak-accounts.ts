import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The soak's users, made as a user makes them (test/e2e/platform.ts does
 * the same): POST /auth/register and /auth/login for an access token, POST
 * /api-keys for keys with the `read` scope, POST /alerts for an alert that
 * fires every cool-down (so alert frames flow and each session can check
 * that only its own user's reach it), and one admin, promoted with
 * `npm run users -- promote`, for the group restarts. Access tokens live
 * 15 minutes: each is refreshed (POST /auth/refresh) two minutes before it
 * expires, so sessions opened late in a long soak still get a valid one.
 */
export type SessionToken = { readonly current: string };
export type ApiKey = { apiKey: string; secret: string };
export type SoakUser = { id: string; access: SessionToken; apiKeys: ApiKey[]; alertIds: Set<string> };

type Tokens = { access_token: string; refresh_token: string; expires_in: number; user: { id: string } };

const USERS_CLI = fileURLToPath(new URL('../../ops/users-cli.ts', import.meta.url));
/** Refresh this long before an access token expires. */
const REFRESH_AHEAD_S = 120;
/** Users made at once: each costs two password derivations in the worker. */
const CONCURRENCY = 4;

export class SoakAccounts {
  readonly users: SoakUser[] = [];
  admin: SessionToken | undefined;
  readonly #edgeUrl: string;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #run = randomBytes(3).toString('hex');

  constructor(edgeUrl: string) {
    this.#edgeUrl = edgeUrl;
  }

  /** `count` users, each with `keysPerUser` API keys and one recurring alert on `alertInstrument`. */
  async makeUsers(count: number, keysPerUser: number, alertInstrument: string, cooldownS: number): Promise<void> {
    const queue = Array.from({ length: count }, (_, n) => n);
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) this.users.push(await this.#makeUser(n, keysPerUser, alertInstrument, cooldownS));
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }

  async makeAdmin(databaseUrl: string): Promise<void> {
    const email = this.#email('admin');
    const password = strongPassword();
    await this.#post('/auth/register', { email, password }, 202);
    await promisify(execFile)(process.execPath, [USERS_CLI, 'promote', email], { env: { ...process.env, DATABASE_URL: databaseUrl } });
    this.admin = this.#keepFresh(await this.#post<Tokens>('/auth/login', { email, password }, 200));
  }

  /** Stops refreshing. */
  stop(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #makeUser(n: number, keysPerUser: number, alertInstrument: string, cooldownS: number): Promise<SoakUser> {
    const email = this.#email(String(n));
    const password = strongPassword();
    await this.#post('/auth/register', { email, password }, 202);
    const tokens = await this.#post<Tokens>('/auth/login', { email, password }, 200);
    const access = this.#keepFresh(tokens);
    const auth = { Authorization: `Bearer ${tokens.access_token}` };
    const apiKeys: ApiKey[] = [];
    for (let k = 0; k < keysPerUser; k++) {
      const key = await this.#post<{ id: string; secret: string }>('/api-keys', { name: `soak ${k}`, scopes: ['read'] }, 201, auth);
      apiKeys.push({ apiKey: key.id, secret: key.secret });
    }
    const alert = await this.#post<{ id: string }>(
      '/alerts',
      {
        instrument: alertInstrument,
        condition: { type: 'price_above', price: 1 },
        repeat: { type: 'recurring', cooldown_s: cooldownS },
        note: 'soak: fires every cool-down',
      },
      201,
      auth,
    );
    return { id: tokens.user.id, access, apiKeys, alertIds: new Set([alert.id]) };
  }

  /** A token holder whose access token is replaced before it expires. */
  #keepFresh(first: Tokens): SessionToken {
    const holder = { current: first.access_token };
    const schedule = (tokens: Tokens) => {
      const timer = setTimeout(
        async () => {
          this.#timers.delete(timer);
          try {
            const next = await this.#post<Tokens>('/auth/refresh', { refresh_token: tokens.refresh_token }, 200);
            holder.current = next.access_token;
            schedule(next);
          } catch (error) {
            console.error(`[soak] could not refresh an access token: ${(error as Error).message}`);
          }
        },
        Math.max(1, tokens.expires_in - REFRESH_AHEAD_S) * 1000,
      );
      timer.unref();
      this.#timers.add(timer);
    };
    schedule(first);
    return holder;
  }

  #email(name: string): string {
    return `soak+${this.#run}-${name}@example.test`;
  }

  async #post<T>(path: string, body: unknown, expected: number, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.#edgeUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    if (response.status !== expected) throw new Error(`POST ${path} answered ${response.status}, not ${expected}: ${await response.text()}`);
    return (await response.json()) as T;
  }
}

/** Random enough that the password check (zxcvbn) finds nothing to guess. */
function strongPassword(): string {
  return `soak ${randomBytes(12).toString('base64url')} pass`;
}
