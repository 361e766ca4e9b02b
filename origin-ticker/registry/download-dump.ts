import type { SyncConfig } from '../config.ts';
import { DumpError } from './instrument-dump.ts';

/**
 * Downloads the instrument dump from Kite's REST root (`GET /instruments`,
 * gzip on the wire), the simulator's in development. The dump needs no
 * session; the access token is sent when there is one, as Kite's docs show.
 */
export async function downloadDump(kite: SyncConfig['kite'], timeoutMs = 60_000): Promise<Uint8Array> {
  const url = `${kite.root}/instruments`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: {
        'X-Kite-Version': '3',
        'Accept-Encoding': 'gzip',
        ...(kite.accessToken ? { Authorization: `token ${kite.apiKey}:${kite.accessToken}` } : {}),
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(
      `could not reach ${url}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
    );
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new Error(`${url} answered HTTP ${response.status}: ${body}`);
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/csv')) throw new DumpError(`${url} answered ${type || 'no content type'}, not text/csv`);
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new DumpError(`the download of ${url} broke off: ${(error as Error).message}`);
  }
}
