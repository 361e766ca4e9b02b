/**
 * Prefixed, aligned log lines for the parts of the local platform, so one
 * terminal can show all of them and still tell who said what.
 */
const WIDTH = 8;

export function partLog(part: string): (line: string) => void {
  const prefix = `[${part}]`.padEnd(WIDTH + 2);
  return (line) => process.stdout.write(`${prefix} ${line}\n`);
}

/** Postgres is chatty at LOG level; keep what an operator must see. */
export function importantPostgresLine(line: string): boolean {
  return /\b(WARNING|ERROR|FATAL|PANIC)\b|ready to accept connections|creating a new cluster|could not|already in use/.test(line);
}
