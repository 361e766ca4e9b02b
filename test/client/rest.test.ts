import { KiteEdgeApiError, KiteEdgeRest } from '@kite-edge/client';
import { describe, expect, it } from 'vitest';

/** The REST helpers over a recorded fetch: what goes out, and what a caller gets back for each kind of answer. */
function restAnswering(status: number, body: unknown) {
  const sent: Request[] = [];
  const rest = new KiteEdgeRest({
    baseUrl: 'http://edge.test/',
    credentials: { apiKey: 'ak_0123456789abcdef', secret: 'sk_secret' },
    fetch: async (input, init) => {
      sent.push(new Request(input, init));
      return status === 204 ? new Response(null, { status }) : Response.json(body, { status });
    },
  });
  return { rest, sent };
}

describe('KiteEdgeRest', () => {
  it('sends Kite’s repeated i with the API key in Kite’s header form, and answers the parsed quotes', async () => {
    const { rest, sent } = restAnswering(200, {
      status: 'success',
      data: { 'NSE:INFY': { instrument_token: 408065, last_price: 1573.7 } },
      missing: { '1': 'unknown_instrument' },
    });
    const quotes = await rest.ltp(['NSE:INFY', 1]);
    expect(quotes.data['NSE:INFY']?.last_price).toBe(1573.7);
    expect(quotes.missing).toEqual({ '1': 'unknown_instrument' });
    expect(sent[0]?.url).toBe('http://edge.test/quote/ltp?i=NSE%3AINFY&i=1');
    expect(sent[0]?.headers.get('Authorization')).toBe('token ak_0123456789abcdef:sk_secret');
  });

  it('throws the platform’s error code and message for a refusal', async () => {
    const { rest } = restAnswering(404, { error: { code: 'alert_not_found', message: 'you have no alert x' } });
    const refused = await rest.alert('x').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KiteEdgeApiError);
    expect(refused).toMatchObject({ status: 404, code: 'alert_not_found', message: 'you have no alert x' });
  });

  it('manages watchlists: each helper sends its method, path and body, and answers the parsed watchlist', async () => {
    const watchlist = {
      id: '3d6f1b2a-7c4e-4f9a-8b1d-2e5c6a7b8c9d',
      name: 'Banks',
      instruments: [],
      created_at: '2026-01-05T09:45:12.000Z',
      updated_at: '2026-01-05T09:45:12.000Z',
    };
    const { rest, sent } = restAnswering(200, watchlist);
    const id = watchlist.id;
    expect(await rest.renameWatchlist(id, 'Banks')).toEqual(watchlist);
    await rest.addToWatchlist(id, 341249);
    await rest.removeFromWatchlist(id, 341249);
    await rest.setWatchlistInstruments(id, [341249, 1270529]);
    const requests = await Promise.all(sent.map(async (request) => [request.method, new URL(request.url).pathname, await request.text()]));
    expect(requests).toEqual([
      ['PATCH', `/watchlists/${id}`, '{"name":"Banks"}'],
      ['POST', `/watchlists/${id}/instruments`, '{"instrument_token":341249}'],
      ['DELETE', `/watchlists/${id}/instruments/341249`, ''],
      ['PUT', `/watchlists/${id}/instruments`, '{"instrument_tokens":[341249,1270529]}'],
    ]);
    expect((await restAnswering(201, watchlist).rest.createWatchlist('Banks')).name).toBe('Banks');
    expect((await restAnswering(200, { watchlists: [watchlist] }).rest.listWatchlists()).watchlists).toEqual([watchlist]);
    await expect(restAnswering(204, undefined).rest.deleteWatchlist(id)).resolves.toBeUndefined();
    const refused = await restAnswering(409, { error: { code: 'watchlist_name_taken', message: 'taken' } })
      .rest.createWatchlist('Banks')
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 409, code: 'watchlist_name_taken' });
  });

  it('reads Kite’s historical candles: the rows, a range the backfill could not complete, and Kite’s refusal in plain terms', async () => {
    const sent: Request[] = [];
    const answering = (response: Response) =>
      new KiteEdgeRest({
        baseUrl: 'http://edge.test',
        credentials: { accessToken: 'an.access.token' },
        fetch: async (input, init) => {
          sent.push(new Request(input, init));
          return response;
        },
      });
    const row = ['2026-12-04T09:15:00+0530', 1520.5, 1524, 1519.8, 1523.1, 18250];
    const range = { from: '2026-12-04 09:15:00', to: '2026-12-04 15:30:00' };
    const incomplete = Response.json({ status: 'success', data: { candles: [row] } }, { headers: { 'X-History-Incomplete': 'no origin is linked' } });
    expect(await answering(incomplete).history(408065, '5minute', range)).toEqual({ candles: [row], incomplete: 'no origin is linked' });
    expect(sent[0]?.url).toBe('http://edge.test/instruments/historical/408065/5minute?from=2026-12-04+09%3A15%3A00&to=2026-12-04+15%3A30%3A00');
    expect(sent[0]?.headers.get('Authorization')).toBe('Bearer an.access.token');
    const complete = Response.json({ status: 'success', data: { candles: [] } });
    expect(await answering(complete).history(408065, 'day', { ...range, oi: true })).toEqual({ candles: [], incomplete: null });
    expect(new URL(sent[1]?.url ?? '').searchParams.get('oi')).toBe('1');

    const kiteRefusal = { status: 'error', message: 'interval exceeds max limit: 60 days', data: null, error_type: 'InputException' };
    const refused = await answering(Response.json(kiteRefusal, { status: 400 }))
      .history(408065, 'minute', { from: '2026-01-01', to: '2026-12-01' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KiteEdgeApiError);
    expect(refused).toMatchObject({ status: 400, code: 'invalid_parameter', message: 'interval exceeds max limit: 60 days' });
  });

  it('refuses an answer that does not match its schema, rather than typing it', async () => {
    const { rest } = restAnswering(200, { instrument_token: '408065' });
    await expect(rest.instrument(408065)).rejects.toMatchObject({ code: 'unexpected_answer', status: 200 });
  });
});
