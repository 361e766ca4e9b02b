import type { WebhookSecretStatus } from '../../contracts/alerts.ts';
import { ConfigError } from '../../contracts/config-error.ts';
import { newWebhookSecret, parseSealingKey, Sealer, WEBHOOK_SECRET_SEALING } from '../../contracts/sealed-blob.ts';
import type { EdgeConfig } from '../../contracts/worker-config.ts';
import type { Database } from '../database.ts';
import { iso, isoOrNull } from './alert-rows.ts';
import { sealedWebhookSecrets, upsertWebhookSecret, webhookSecretDates } from './alert-sql.ts';

/**
 * Each user's webhook secret in `webhook_secrets`, sealed under
 * ALERT_SECRET_KEY (contracts/sealed-blob.ts, WEBHOOK_SECRET_SEALING): issued or
 * rotated by the user (the REST API shows it once), read back by the
 * user's WebhookDispatcher to sign deliveries. A rotation keeps the old
 * secret for ROTATION_GRACE_MS, and deliveries in that time carry a
 * signature with each, so a receiver can switch secrets without refusing
 * anything in between. The SQL is alert-sql.ts's.
 */
export const ROTATION_GRACE_MS = 24 * 3600_000;

const sealers = new Map<string, Promise<Sealer>>();

/** A sealer of the configured keys, the sealing one first (made once per isolate). */
export function webhookSealer(config: EdgeConfig): Promise<Sealer> {
  const [key, ...previous] = config.alerts.secretKeys;
  if (key === undefined) {
    throw new ConfigError([{ variable: 'ALERT_SECRET_KEY', problem: 'is not set: webhooks are off on this deployment' }]);
  }
  const id = config.alerts.secretKeys.join(',');
  let sealer = sealers.get(id);
  if (!sealer) {
    sealer = Sealer.create(WEBHOOK_SECRET_SEALING, parseSealingKey(key), previous.map(parseSealingKey));
    sealers.set(id, sealer);
  }
  return sealer;
}

/** A new secret for the user (the old one, if any, stays valid for ROTATION_GRACE_MS); the caller shows it once. */
export async function issueWebhookSecret(db: Database, config: EdgeConfig, userId: string): Promise<WebhookSecretStatus & { secret: string }> {
  const sealer = await webhookSealer(config);
  const secret = newWebhookSecret();
  const row = await upsertWebhookSecret(db, userId, await sealer.seal(secret, userId), ROTATION_GRACE_MS);
  return { secret, configured: true, created_at: iso(row.created_at), previous_valid_until: isoOrNull(row.previous_until) };
}

export async function webhookSecretStatus(db: Database, userId: string): Promise<WebhookSecretStatus> {
  const row = await webhookSecretDates(db, userId);
  if (!row) return { configured: false, created_at: null, previous_valid_until: null };
  return { configured: true, created_at: iso(row.created_at), previous_valid_until: isoOrNull(row.previous_until) };
}

/** The secrets a delivery is signed with now: the current one, then the previous one while it is in its grace time. */
export async function signingSecrets(db: Database, config: EdgeConfig, userId: string): Promise<string[]> {
  const sealed = await sealedWebhookSecrets(db, userId);
  if (!sealed) throw new Error('the user has no webhook secret (POST /alerts/webhook-secret creates it)');
  const sealer = await webhookSealer(config);
  const secrets = [await sealer.open(sealed.current, userId)];
  if (sealed.previous !== null) secrets.push(await sealer.open(sealed.previous, userId));
  return secrets;
}
