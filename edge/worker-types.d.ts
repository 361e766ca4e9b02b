// Tells the Workers runtime types about this worker: what `env` holds and
// what the main module exports (the type of `exports` from cloudflare:workers).
// A module with `declare global`, because an interface's `extends` cannot name
// an `import('…')` type (in a global script that error is hidden by skipLibCheck).

import type { HubVars } from '../contracts/hub-config.ts';
import type { EdgeVars } from '../contracts/worker-config.ts';
import type { FeedControl } from '../durable-objects/feed-control/feed-control.ts';
import type { InstrumentGroup } from '../durable-objects/instrument-group/instrument-group.ts';
import type { SessionHub } from '../durable-objects/session-hub/session-hub.ts';
import type { WebhookDispatcher } from '../durable-objects/webhook-dispatcher/webhook-dispatcher.ts';

declare global {
  namespace Cloudflare {
    interface Env extends EdgeVars, HubVars {
      // The Durable Object namespaces wrangler.toml binds.
      INSTRUMENT_GROUP: DurableObjectNamespace<InstrumentGroup>;
      FEED_CONTROL: DurableObjectNamespace<FeedControl>;
      SESSION_HUB: DurableObjectNamespace<SessionHub>;
      WEBHOOK_DISPATCHER: DurableObjectNamespace<WebhookDispatcher>;
      /** Workers Analytics Engine, where the edge's metrics go in production (docs/edge-metrics.md); unbound locally. */
      METRICS?: AnalyticsEngineDataset;
    }
    interface GlobalProps {
      mainModule: typeof import('./index.ts');
    }
  }
}
