import { describe, expect, it } from 'vitest';
import type { LeaseAnswer, LeaseRequest } from '../../contracts/origin-lease.ts';
import type { LeaseClient } from './lease-client.ts';
import { OriginRole } from './origin-role.ts';

/**
 * The role state machine on a fake clock: the lease is FeedControl's rules
 * (durable-objects/feed-control/, tested there in workerd) on the same
 * clock, and each round is one tick() called by the test, so a hung process
 * is a clock that moves while its rounds do not run.
 */
const TTL = 5_000;
const RENEW = 1_000;

class FakeEdge {
  clock = 0;
  reachable = true;
  /** How long each answer takes; one slower than the origin waits is lost, though the edge acted on the request. */
  latency = 0;
  #lease = { holder: null as string | null, token: 0, expiresAt: 0 };

  readonly client: LeaseClient = async (request: LeaseRequest, timeoutMs: number): Promise<LeaseAnswer> => {
    if (!this.reachable) throw new Error('connect ECONNREFUSED');
    const answer = this.#answer(request);
    if (this.latency > timeoutMs) {
      this.clock += timeoutMs;
      throw new Error(`the edge did not answer the lease request within ${timeoutMs} ms`);
    }
    this.clock += this.latency;
    return answer;
  };

  #answer(request: LeaseRequest): LeaseAnswer {
    const lease = this.#lease;
    const held = lease.holder !== null && this.clock < lease.expiresAt;
    const holds = held && lease.holder === request.origin_id && lease.token === request.token;
    const answer = (granted: boolean) => ({ granted, holder: this.#lease.holder, token: this.#lease.token || null, expires_in_ms: 0 });
    if (request.release || request.token !== undefined) {
      if (holds) lease.expiresAt = request.release ? this.clock : this.clock + request.ttl_ms;
      return answer(holds);
    }
    if (held) return answer(false);
    const previous = lease.holder;
    this.#lease = { holder: request.origin_id, token: lease.token + 1, expiresAt: this.clock + request.ttl_ms };
    return { ...answer(true), previous_holder: previous };
  }

  /** An origin on this edge; `lease` stands between it and the edge when a test holds answers back. */
  origin(originId: string, lease: LeaseClient = this.client) {
    const events: string[] = [];
    const role = new OriginRole({
      originId,
      renewMs: RENEW,
      ttlMs: TTL,
      lease,
      now: () => this.clock,
      onActive: (token) => events.push(`active ${token}`),
      onStandby: (why) => events.push(`standby: ${why}`),
      log: () => {},
    });
    return { role, events };
  }

  /** Every running origin's round each second, for `ms`. */
  async run(ms: number, ...origins: OriginRole[]): Promise<void> {
    for (let t = 0; t < ms; t += RENEW) {
      this.clock += RENEW;
      for (const origin of origins) await origin.tick();
    }
  }
}

const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('OriginRole', () => {
  it('makes the first origin to ask active and keeps the other standby while the lease is renewed', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    const b = edge.origin('b');
    await a.role.tick();
    await b.role.tick();
    await edge.run(30_000, a.role, b.role);
    expect(a.events).toEqual(['active 1']);
    expect(b.events).toEqual([]);
    expect(b.role.view()).toMatchObject({ role: 'standby', holder: 'a', token: 1 });
    expect(a.role.view()).toMatchObject({ role: 'active', token: 1, age_ms: 0, failovers: 0 });
  });

  it('lets the standby take over within a time to live and a round of the active dying, with the next fencing token', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    const b = edge.origin('b');
    await a.role.tick();
    await edge.run(3_000, a.role, b.role);
    // a is killed: its rounds stop.
    let waited = 0;
    while (b.role.role === 'standby') {
      await edge.run(RENEW, b.role);
      waited += RENEW;
    }
    expect(waited).toBeLessThanOrEqual(TTL + RENEW);
    expect(b.events).toEqual(['active 2']);
    expect(b.role.view()).toMatchObject({ token: 2, failovers: 1 });
  });

  it('takes over from a dead active though the edge answers slower than a round (a busy machine), and keeps the lease', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    const b = edge.origin('b');
    await a.role.tick();
    await edge.run(3_000, a.role, b.role);
    // a is killed; the edge now takes 1.5 s to answer: the lease b is granted must not be lost on the way.
    edge.latency = 1_500;
    const killedAt = edge.clock;
    while (b.role.role === 'standby' && edge.clock - killedAt < 60_000) await edge.run(RENEW, b.role);
    expect(edge.clock - killedAt).toBeLessThanOrEqual(TTL + RENEW + edge.latency);
    expect(b.events).toEqual(['active 2']);
    await edge.run(30_000, b.role);
    expect(b.role.mayAct()).toBe(true);
    expect(b.events).toEqual(['active 2']);
  });

  it('steps down before its first send when it resumes after a pause longer than the time to live', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    const b = edge.origin('b');
    await a.role.tick();
    await edge.run(2_000, a.role, b.role);
    // SIGSTOP for 15 s: a's rounds do not run, b's do.
    await edge.run(15_000, b.role);
    expect(b.role.role).toBe('active');
    // SIGCONT: whatever a is about to send asks first.
    expect(a.role.mayAct()).toBe(false);
    await flush();
    expect(a.events).toEqual(['active 1', 'standby: the lease lapsed: no renewal for 15000 ms (time to live 5000 ms)']);
    // Its next round asks as a standby, and b keeps the lease.
    await edge.run(3_000, a.role, b.role);
    expect(a.role.view()).toMatchObject({ role: 'standby', holder: 'b', token: 2 });
    expect(b.events).toEqual(['active 2']);
  });

  it('steps down once the time to live passes without a renewal, though the edge never answers', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    await a.role.tick();
    edge.reachable = false;
    await edge.run(TTL - RENEW, a.role);
    expect(a.role.mayAct()).toBe(true);
    await edge.run(RENEW, a.role);
    await flush();
    expect(a.role.role).toBe('standby');
    expect(a.role.view().last_error).toBe('connect ECONNREFUSED');
    expect(a.events.at(-1)).toMatch(/^standby: the lease lapsed/);
  });

  it('steps down when the edge fences one of its links or refuses a renewal', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    await a.role.tick();
    a.role.fenced('feed link closed (4002 fencing token 1 refused)');
    await flush();
    expect(a.events.at(-1)).toBe("standby: the edge refused this origin's fencing token: feed link closed (4002 fencing token 1 refused)");
    expect(a.role.mayAct()).toBe(false);
  });

  it('gives the lease up when it stops, so the standby takes over at its next round', async () => {
    const edge = new FakeEdge();
    const a = edge.origin('a');
    const b = edge.origin('b');
    await a.role.tick();
    await a.role.stop();
    await edge.run(RENEW, b.role);
    expect(b.role.view()).toMatchObject({ role: 'active', token: 2, failovers: 1 });
  });

  it('gives back a lease granted while it was stopping, without going active (a SIGTERM during a slow take)', async () => {
    const edge = new FakeEdge();
    let grant: () => void = () => {};
    const answered = new Promise<void>((resolve) => (grant = resolve));
    // The edge grants at once; its answer reaches the origin only when the test lets it.
    const { role, events } = edge.origin('a', async (request, timeoutMs) => {
      const answer = await edge.client(request, timeoutMs);
      if (!request.release) await answered;
      return answer;
    });
    const asking = role.tick();
    const stopping = role.stop();
    grant();
    await Promise.all([asking, stopping]);
    expect(events.filter((event) => event.startsWith('active'))).toEqual([]);
    expect(role.view()).toMatchObject({ role: 'standby' });
    // Given back: another origin takes it at its first round, not a time to live later.
    const b = edge.origin('b');
    await b.role.tick();
    expect(b.role.view()).toMatchObject({ role: 'active', token: 2 });
  });
});
