import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Kite's REST conventions, shared by the simulator's routes: the JSON
 * envelope `{"status":"success","data":…}` / `{"status":"error","message",
 * "error_type","data":null}`, IST timestamps, and request bodies.
 */
export type KiteErrorType = 'TokenException' | 'InputException' | 'PermissionException' | 'GeneralException' | 'NetworkException';

export function sendData(res: ServerResponse, data: unknown, status = 200): void {
  sendJson(res, status, { status: 'success', data });
}

export function sendError(res: ServerResponse, status: number, errorType: KiteErrorType, message: string): void {
  sendJson(res, status, { status: 'error', message, data: null, error_type: errorType });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

const MAX_BODY_BYTES = 64 * 1024;

/** Reads a form-encoded (or JSON) body, refusing anything larger than a login needs. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    const parsed: unknown = JSON.parse(body || '{}');
    if (typeof parsed !== 'object' || parsed === null) throw new SyntaxError('body must be a JSON object');
    return new URLSearchParams(Object.entries(parsed).map(([k, v]): [string, string] => [k, String(v)]));
  }
  return new URLSearchParams(body);
}

/** `Authorization: token api_key:access_token`, as the official clients send it. */
export function tokenCredentials(req: IncomingMessage): { apiKey: string; accessToken: string } | undefined {
  const match = /^token ([^:\s]+):(\S+)$/.exec(req.headers.authorization ?? '');
  return match ? { apiKey: match[1] ?? '', accessToken: match[2] ?? '' } : undefined;
}
