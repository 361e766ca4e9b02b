import { describe, expect, it, vi } from 'vitest';
import { asUser } from '../../test/workers/test-alerts.ts';
import { ltpPacket, TestOrigin } from '../../test/workers/test-origin.ts';
import { instrumentsOfOneGroup, type TestInstrument } from '../../test/workers/test-session.ts';
import { callWith, newUser } from '../../test/workers/test-users.ts';

/**
 * The WebhookDispatcher in workerd, reached as in production: an alert
 * fires in its group object, the trigger is recorded with a pending webhook
 * delivery, and the owner's dispatcher is woken. workerd cannot host the
 * receiver, so what is tested here is what needs none; the retries against
 * a real receiver run on the whole platform (test/alerts.test.ts).
 */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 25 });

describe('WebhookDispatcher', () => {
  it('does not send to a URL the deployment no longer allows, and shows the delivery as a dead letter', async () => {
    const owner = await newUser();
    expect((await asUser(owner, '/alerts/webhook-secret', { method: 'POST' })).status).toBe(201);
    const [bse] = (await instrumentsOfOneGroup('BSE', 1, 7)) as [TestInstrument];
    const origin = await TestOrigin.connect(`/origin/groups/${bse.group}`);
    // Made while loopback webhooks were allowed; this deployment (vitest.config.ts) does not allow them.
    const created = await callWith({ ALERT_WEBHOOKS_ALLOW_PRIVATE: 'true' }, '/alerts', {
      json: {
        instrument: bse.token,
        condition: { type: 'price_above', price: 10 },
        channels: { sessions: false, webhook: { url: 'http://127.0.0.1:9/hook' } },
      },
      bearer: owner.tokens.access_token,
      ip: owner.ip,
    });
    expect(created.status).toBe(201);
    const alert = (await created.json()) as { id: string };

    origin.sendBatch([ltpPacket(bse.token, 11)]);
    type Listing = {
      deliveries: {
        channel: string;
        status: string;
        attempts: number;
        response_code: number | null;
        last_error: string;
        url: string;
        trigger: { alert_id: string };
      }[];
    };
    await settled(async () => {
      const { deliveries } = (await (await asUser(owner, '/alerts/deliveries?status=failed,dead')).json()) as Listing;
      expect(deliveries).toEqual([
        expect.objectContaining({
          channel: 'webhook',
          status: 'failed',
          url: 'http://127.0.0.1:9/hook',
          attempts: 1,
          response_code: null,
          last_error: 'not sent: the URL must not point into a private network: 127.0.0.1 is loopback',
          trigger: expect.objectContaining({ alert_id: alert.id }),
        }),
      ]);
    });
    // Sessions were not a channel of this alert: its trigger has the webhook delivery only.
    const { triggers } = (await (await asUser(owner, `/alerts/${alert.id}/triggers`)).json()) as { triggers: { deliveries: { channel: string }[] }[] };
    expect(triggers.map((t) => t.deliveries.map((d) => d.channel))).toEqual([['webhook']]);
    origin.close();
  });
});
