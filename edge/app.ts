import { OpenAPIHono } from '@hono/zod-openapi';
import { alerts } from './alerts/routes.ts';
import { apiKeys } from './auth/api-key-routes.ts';
import type { AuthEnv } from './auth/policy.ts';
import { auth } from './auth/routes.ts';
import { bodyCap } from './body-cap.ts';
import { notFound, onError } from './errors.ts';
import { fno } from './fno/routes.ts';
import { health } from './health/route.ts';
import { history } from './history/routes.ts';
import { instruments } from './instruments/routes.ts';
import { measureRequests } from './metrics/isolate-metrics.ts';
import { metrics } from './metrics/route.ts';
import { documentation } from './openapi/routes.ts';
import { internal, originLink } from './origin/routes.ts';
import { quote } from './quote/routes.ts';
import { watchlists } from './watchlists/routes.ts';
import { sessions } from './ws/routes.ts';

/**
 * The HTTP surface of the edge, one line per area. Each area's routes state
 * their policy with requires() (edge/auth/policy.ts; docs/auth.md lists them)
 * and are described with route() (edge/openapi/describe.ts; docs/api.md):
 * an area is an OpenAPIHono, whose descriptions app.route() merges here.
 */
export function createApp() {
  const app = new OpenAPIHono<AuthEnv>();
  app.use('*', measureRequests);
  app.use('*', bodyCap);
  app.route('/health', health);
  app.route('/metrics', metrics);
  app.route('/auth', auth);
  app.route('/api-keys', apiKeys);
  // Before /instruments: Kite's historical API needs a key (the instruments API is public).
  app.route('/instruments/historical', history);
  app.route('/instruments', instruments);
  app.route('/quote', quote);
  app.route('/fno', fno);
  app.route('/alerts', alerts);
  app.route('/watchlists', watchlists);
  app.route('/origin', originLink);
  app.route('/internal', internal);
  app.route('/', sessions);
  app.route('/', documentation(app));
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
