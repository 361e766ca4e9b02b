import type { Context, Next } from 'hono';
import { edgeConfig } from '../../contracts/worker-config.ts';
import { requireBearerSecret } from '../auth/bearer-secret.ts';

/** Who may scrape /metrics: whoever presents `Authorization: Bearer <METRICS_TOKEN>` (auth/bearer-secret.ts). */
export function requireMetricsToken<E extends { Bindings: Cloudflare.Env }>(c: Context<E>, next: Next): Promise<Response | undefined> {
  return requireBearerSecret(c, next, {
    secret: edgeConfig(c.env).metricsToken,
    variable: 'METRICS_TOKEN',
    name: 'metrics token',
    opens: 'the metrics endpoint',
    off: 'GET /metrics is',
    realm: 'kite-edge metrics',
  });
}
