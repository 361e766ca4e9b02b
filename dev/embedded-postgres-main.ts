import { startEmbeddedPostgres } from './embedded-postgres.ts';

/**
 * Child-process entry for the embedded Postgres (see postgres-service.ts).
 * Prints one JSON line `{"ready": url}` on stdout once the database accepts
 * connections, or `{"failed": reason}`; exits when postgres exits. SIGTERM
 * shuts postgres down fast (the library's exit hook sends it SIGINT).
 */
const [dir, port, database] = process.argv.slice(2);
if (!dir || !port || !database) {
  console.log(JSON.stringify({ failed: 'usage: embedded-postgres-main.ts <dir> <port> <database>' }));
  process.exit(2);
}

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
process.on('SIGINT', () => (stopping = true));

try {
  const service = await startEmbeddedPostgres({
    dir,
    port: Number(port),
    database,
    onLine: (line) => console.error(line),
  });
  console.log(JSON.stringify({ ready: service.url }));
  const reason = await service.crashed;
  if (!stopping) {
    console.error(reason);
    process.exit(1);
  }
} catch (error) {
  console.log(JSON.stringify({ failed: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
}
