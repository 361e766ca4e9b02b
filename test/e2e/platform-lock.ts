import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';

/**
 * The end-to-end files run side by side on the one shared platform. Each
 * test holds the platform lock (test/setup/platform-lock-server.ts) while it
 * runs: to read by default, alone (to write) when it injects a fault or
 * needs the platform to itself. `sharedPlatformFile()` at the top of a file
 * sets that up; `it(alone('…'))` marks a test, `aloneInThisSuite()` a whole
 * describe (its own set-up and tear-down included).
 */
type Mode = 'read' | 'write';

const aloneTests = new Set<string>();
let suiteHold: (() => void) | null = null;
let testHold: (() => void) | null = null;

async function hold(mode: Mode): Promise<() => void> {
  const controller = new AbortController();
  const response = await fetch(`${inject('platformLockUrl')}/${mode}`, { signal: controller.signal });
  if (response.status !== 200) throw new Error(`the platform lock refused ${mode}: ${response.status} ${await response.text()}`);
  // The closure keeps the answer: Node's fetch cancels the body of an answer it collects, which would end the hold early.
  return () => {
    void response.body?.cancel().catch(() => {});
    controller.abort();
  };
}

/** Every test of this file holds the platform lock while it runs. */
export function sharedPlatformFile(): void {
  beforeEach(async ({ task }) => {
    if (suiteHold) return;
    testHold = await hold(aloneTests.has(task.name) ? 'write' : 'read');
  }, 300_000);
  afterEach(() => {
    testHold?.();
    testHold = null;
  });
}

/** Registers the name of a test that injects a fault or needs the platform to itself. Use as `it(alone('…'), …)`. */
export function alone(name: string): string {
  aloneTests.add(name);
  return name;
}

/** The describe it is called in (first) holds the platform alone from its first hook to its last. */
export function aloneInThisSuite(): void {
  beforeAll(async () => {
    suiteHold = await hold('write');
  }, 300_000);
  afterAll(() => {
    suiteHold?.();
    suiteHold = null;
  });
}
