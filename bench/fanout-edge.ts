import { createHash, randomBytes } from 'node:crypto';
import type { Credentials } from '@kite-edge/client';
import pg from 'pg';
import { WebSocket } from 'ws';

/**
 * What the fan-out bench needs from the edge before it can load it: to
 * know /v2/ws is there, and credentials for every session.
 */

/** true, or why the edge cannot be measured: an upgrade without credentials must be refused for them (401), not be unknown (404). */
export function edgeServesV2(edgeUrl: string): Promise<true | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${edgeUrl.replace('http', 'ws')}/v2/ws`);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode === 401 ? true : `the edge answers ${res.statusCode} on /v2/ws`);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve('the edge accepted /v2/ws without credentials');
      ws.close();
    });
    ws.once('error', (error) => resolve(`the edge's /v2/ws: ${error.message}`));
  });
}

/** Sessions per user: a browser tab or two and a program, rather than thousands of sessions of one user (a user's sessions share a hub). */
const SESSIONS_PER_USER = 2;

/**
 * One API key (scope read) per SESSIONS_PER_USER sessions, each of its own
 * user, written straight into the platform's database: thousands of users
 * through POST /auth/register and /auth/login would spend minutes in the
 * password KDF and trip the auth rate limit, and neither is what this
 * bench measures. The rows are what POST /api-keys writes
 * (migrations/0005_users_and_api_keys.sql, edge/auth/secrets.ts).
 */
export async function edgeCredentials(databaseUrl: string, sessions: number): Promise<Credentials[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const run = randomBytes(4).toString('hex');
    const keys = Array.from({ length: Math.ceil(sessions / SESSIONS_PER_USER) }, () => ({
      apiKey: `ak_${randomBytes(8).toString('hex')}`,
      secret: `sk_${randomBytes(32).toString('base64url')}`,
    }));
    // A password hash in the stored format that no password matches: nobody logs in as these users.
    const noPassword = `pbkdf2-sha256$100000$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
    await client.query(
      `WITH made AS (
         INSERT INTO users (email, password_hash)
         SELECT 'fanout-' || $1 || '-' || n || '@bench.invalid', $2 FROM generate_series(1, $3::int) AS n
         RETURNING id, email
       )
       INSERT INTO api_keys (id, user_id, name, scopes, secret_hash)
       SELECT k.id, made.id, 'fanout bench', ARRAY['read'], k.secret_hash
       FROM made JOIN unnest($4::text[], $5::text[]) WITH ORDINALITY AS k (id, secret_hash, n)
         ON made.email = 'fanout-' || $1 || '-' || k.n || '@bench.invalid'`,
      [run, noPassword, keys.length, keys.map((k) => k.apiKey), keys.map((k) => createHash('sha256').update(k.secret).digest('hex'))],
    );
    return keys;
  } finally {
    await client.end();
  }
}
