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
      return Response.json(body, { status });
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

  it('refuses an answer that does not match its schema, rather than typing it', async () => {
    const { rest } = restAnswering(200, { instrument_token: '408065' });
    await expect(rest.instrument(408065)).rejects.toMatchObject({ code: 'unexpected_answer', status: 200 });
  });
});
