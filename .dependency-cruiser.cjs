/**
 * The import rules of docs/architecture.md, checked by `npm test`
 * (npm run check:imports). Tests (*.test.ts) and their helpers under test/
 * may reach anything they exercise; shipped code may not.
 */
const TESTS = '(^test/|\\.test\\.ts$)';
const OURS = '^(origin-ticker|kite-sim|dev|ops|edge|durable-objects|storage|contracts|client|web|bench|test)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'A cycle makes two modules one; split out what both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contracts-stand-alone',
      comment: 'contracts/ holds the shapes both ends import: it imports nothing of ours.',
      severity: 'error',
      from: { path: '^contracts/', pathNot: TESTS },
      to: { path: OURS, pathNot: '^contracts/' },
    },
    {
      name: 'edge-reaches-objects-through-stubs',
      comment:
        'The worker reaches a Durable Object through durable-objects/stubs.ts and contracts/ only; edge/index.ts re-exports the classes for wrangler and edge/worker-types.d.ts types their bindings.',
      severity: 'error',
      from: { path: '^edge/', pathNot: ['^edge/index\\.ts$', '^edge/worker-types\\.d\\.ts$', TESTS] },
      to: { path: '^durable-objects/', pathNot: '^durable-objects/stubs\\.ts$' },
    },
    {
      name: 'objects-do-not-reach-up',
      comment: 'Durable Objects run below the worker: what both need lives in storage/ or contracts/.',
      severity: 'error',
      from: { path: '^durable-objects/', pathNot: TESTS },
      to: { path: '^edge/' },
    },
    {
      name: 'storage-below-the-worker',
      comment: 'storage/ (Postgres and its SQL) serves the worker and its objects and knows neither.',
      severity: 'error',
      from: { path: '^storage/', pathNot: TESTS },
      to: { path: '^(edge|durable-objects)/' },
    },
    {
      name: 'origin-ships-alone',
      comment: 'The origin ships without the local platform, the simulator, the operator tools or the worker.',
      severity: 'error',
      from: { path: '^origin-ticker/', pathNot: TESTS },
      to: { path: '^(dev|kite-sim|ops|edge|durable-objects|storage|client|web)/' },
    },
    {
      name: 'simulator-is-its-own-product',
      comment: 'kite-sim/ stands in for Kite: it shares only contracts/ with the platform.',
      severity: 'error',
      from: { path: '^kite-sim/', pathNot: TESTS },
      to: { path: OURS, pathNot: '^(kite-sim|contracts)/' },
    },
    {
      name: 'client-ships-alone',
      comment: 'The typed client is what users install: only contracts/ besides itself.',
      severity: 'error',
      from: { path: '^client/', pathNot: TESTS },
      to: { path: OURS, pathNot: '^(client|contracts)/' },
    },
    {
      name: 'web-app-speaks-through-the-client',
      comment: 'The web app (web/) reaches the platform through the typed client (@kite-edge/client) and the shapes of contracts/ only.',
      severity: 'error',
      from: { path: '^web/', pathNot: TESTS },
      to: { path: OURS, pathNot: '^(web|client|contracts)/' },
    },
    {
      name: 'worker-ships-alone',
      comment: 'The worker bundle holds no operator, local-platform or origin code.',
      severity: 'error',
      from: { path: '^(edge|durable-objects|storage)/', pathNot: TESTS },
      to: { path: '^(origin-ticker|kite-sim|dev|ops|client|web)/' },
    },
    {
      name: 'production-never-imports-tests-or-benches',
      severity: 'error',
      from: { path: '^(origin-ticker|kite-sim|dev|ops|edge|durable-objects|storage|contracts|client|web)/', pathNot: TESTS },
      to: { path: '(^bench/|^test/|\\.test\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^node_modules/|^dist/|^web/dist/|^\\.wrangler/|^\\.local/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
