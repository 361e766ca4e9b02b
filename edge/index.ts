import { createApp } from './app.ts';

/** Worker entry point (wrangler.toml `main`): the Hono app, and the Durable Object classes wrangler.toml binds. */
export default createApp();
export { FeedControl } from '../durable-objects/feed-control/feed-control.ts';
export { InstrumentGroup } from '../durable-objects/instrument-group/instrument-group.ts';
export { SessionHub } from '../durable-objects/session-hub/session-hub.ts';
export { WebhookDispatcher } from '../durable-objects/webhook-dispatcher/webhook-dispatcher.ts';
