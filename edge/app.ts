import { Hono } from 'hono';
import type { EdgeEnv } from './config.ts';
import { notFound, onError } from './errors.ts';
import { health } from './health/route.ts';
import { instruments } from './instruments/routes.ts';
import { internal, originLink } from './origin/routes.ts';

/** The HTTP surface of the edge, one line per area. */
export function createApp() {
  const app = new Hono<{ Bindings: EdgeEnv }>();
  app.route('/health', health);
  app.route('/instruments', instruments);
  app.route('/origin', originLink);
  app.route('/internal', internal);
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
