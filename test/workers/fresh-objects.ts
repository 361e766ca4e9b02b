import { reset } from 'cloudflare:test';
import { beforeAll } from 'vitest';

/**
 * Every workers test file starts with no Durable Objects: a runtime runs
 * many files one after another (`isolate: false`), and each would find what
 * earlier ones left in the objects (sessions in the hubs, packets in the
 * groups, FeedControl's links, demand and lease). `reset()` deletes every
 * object and its storage, so a file meets FeedControl, the groups and the
 * hubs as a new deployment does, without the seconds of CPU a workerd of
 * its own costs to start and load. Postgres and Redis are shared all the
 * same: each test makes its own users, keys and instruments.
 */
beforeAll(async () => {
  await reset();
});
