/**
 * The first problem of a frame that failed to parse (a zod error, or JSON's
 * own), short enough for an error frame or a log line. Shared by the
 * objects' link and control-message parsers.
 */
export function frameProblem(error: unknown): string {
  type Issue = { path: PropertyKey[]; message: string; issues?: { message: string }[] };
  const first = (error as { issues?: Issue[] }).issues?.[0];
  // A record key's own rule says more than zod's "Invalid key in record".
  const message = first?.issues?.[0]?.message ?? first?.message;
  const text = first ? `${first.path.map(String).join('.') || '(frame)'}: ${message}` : error instanceof Error ? error.message : String(error);
  return text.slice(0, 500);
}
