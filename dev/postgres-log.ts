/** Postgres is chatty at LOG level; keep what an operator must see. */
export function importantPostgresLine(line: string): boolean {
  return /\b(WARNING|ERROR|FATAL|PANIC)\b|ready to accept connections|creating a new cluster|could not|already in use/.test(line);
}
