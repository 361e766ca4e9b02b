// Tells the Workers runtime types about this worker: what `env` holds and
// what the main module exports (the type of `exports` from cloudflare:workers).
// A module with `declare global`, because an interface's `extends` cannot name
// an `import('…')` type (in a global script that error is hidden by skipLibCheck).
import type { FeedControl } from '../durable-objects/feed-control.ts';
import type { InstrumentGroup } from '../durable-objects/instrument-group.ts';
import type { EdgeVars } from './config.ts';

declare global {
  namespace Cloudflare {
    interface Env extends EdgeVars {
      // The Durable Object namespaces wrangler.toml binds.
      INSTRUMENT_GROUP: DurableObjectNamespace<InstrumentGroup>;
      FEED_CONTROL: DurableObjectNamespace<FeedControl>;
    }
    interface GlobalProps {
      mainModule: typeof import('./index.ts');
    }
  }
}
