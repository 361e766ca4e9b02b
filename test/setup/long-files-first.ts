import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { E2E_FILES } from './e2e-files.ts';

/**
 * Vitest's order (files it has timed before, slowest first; the others by
 * size) with the files known to take longest put first: on a fresh clone
 * nothing is timed yet, and these, left to their size, would start last
 * and hold the run up by themselves. The end-to-end suites lead: they wait
 * for the shared platform to boot, which costs them a place but no CPU.
 * The workers files that drive the Durable Objects themselves come next:
 * left to their place they ran last, few at a time, each waiting on its
 * objects, and made the run's tail. The rest follow a project at a time:
 * vitest keeps a worker of an `isolate: false` project (a workerd runtime,
 * a Node process) for the next file only when the file queued next is of
 * the same project, so with the projects mixed it started eight workerd
 * runtimes for the `workers` files where four do.
 */
const LONGEST_FIRST = [...E2E_FILES, 'origin-ticker/registry/sync.test.ts'];

/** What marks a workers test file as driving the objects themselves: an origin link, a session, an object's stub. */
const DRIVES_OBJECTS = /TestOrigin|originOf\(|TestSession|\bv2\(|INSTRUMENT_GROUP|SESSION_HUB|FEED_CONTROL/;

/** The order of the projects whose other files follow (a project's files together, as above). */
const PROJECT_ORDER = ['workers', 'node-kite-ticker', 'node'];

export default class LongFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const drivesObjects = (spec: TestSpecification) => spec.project.name === 'workers' && DRIVES_OBJECTS.test(readFileSync(spec.moduleId, 'utf8'));
    const rank = (spec: TestSpecification) => {
      const at = LONGEST_FIRST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      if (at !== -1) return at;
      if (drivesObjects(spec)) return LONGEST_FIRST.length;
      const project = PROJECT_ORDER.indexOf(spec.project.name);
      return LONGEST_FIRST.length + 1 + (project === -1 ? PROJECT_ORDER.length : project);
    };
    return sorted
      .map((spec, i) => ({ spec, i, rank: rank(spec) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
