import { z } from 'zod';
import { BINARY_FRAME_TYPE } from '../../contracts/binary-tick-frame.ts';
import { ClientMessage, CloseCode, SERVER_MESSAGES, V2_SUBPROTOCOL } from '../../contracts/client-protocol.ts';
import { KNOWN_PACKET_LENGTHS } from '../../contracts/kite-ticks/packet-layout.ts';
import { KiteControlMessage, KiteErrorMessage } from '../../contracts/kite-ws-protocol.ts';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * The AsyncAPI 3.0 document of the WebSockets (GET /asyncapi.json): every
 * message's payload is zod's JSON Schema of its contract
 * (contracts/client-protocol.ts, contracts/kite-ws-protocol.ts), so the
 * document and the code cannot part. Operations are the platform's view:
 * it receives the clients' messages and sends its own.
 */

/** Schemas named in contracts/ (`.meta({ id })`), written once under components.schemas. */
type Schemas = Record<string, unknown>;

/**
 * JSON Schema draft-07 (AsyncAPI's own schema format) of what a message
 * holds on the wire; the named schemas it uses go into `shared` and are
 * referenced from there.
 */
function payloadOf(schema: z.ZodType, io: 'input' | 'output', shared: Schemas): Record<string, unknown> {
  const { $schema: _dialect, definitions, ...json } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' });
  Object.assign(shared, definitions);
  return JSON.parse(JSON.stringify(json).replaceAll('"#/definitions/', '"#/components/schemas/'));
}

type Message = { name: string; title: string; summary?: string; contentType?: string; payload: Record<string, unknown> };

/** A client message per `action` of ClientMessage (the union's options, in order). */
function clientMessages(shared: Schemas): Record<string, Message> {
  const messages: Record<string, Message> = {};
  for (const option of ClientMessage.options) {
    const action = option.shape.action.value;
    messages[action] = { name: action, title: `${action} (client → server)`, payload: payloadOf(option, 'input', shared) };
  }
  return messages;
}

const SERVER_SUMMARIES: Record<keyof typeof SERVER_MESSAGES, string> = {
  welcome: 'The first frame of a session: its id, limits and expiry.',
  reauthed: 'A reauth taken: the session ends at the new expires_at.',
  ack: 'The answer to subscribe, unsubscribe and mode: what was taken and refused.',
  chain_ack: 'The answer to subscribe_chain and unsubscribe_chain.',
  candle_ack: 'The answer to subscribe_candles and unsubscribe_candles: what was taken and refused.',
  candle: 'A candle stream’s forming candle, at most once a second while it changes.',
  candle_closed: 'A candle stream’s candle once its interval ended: final.',
  chain: 'A whole option chain, on subscribing and when the stream starts over.',
  chain_update: 'What changed in a chain since the previous frame of its stream.',
  snapshot: 'The latest tick of each newly subscribed instrument.',
  ticks: 'Live ticks, batched.',
  status: 'A group’s feed state changed (live, stale, down).',
  pong: 'The answer to ping.',
  error: 'A refused message or a notice before a close; the session stays open unless code is closing.',
  alert: 'One fire of one of the user’s price alerts.',
};

function serverMessages(shared: Schemas): Record<string, Message> {
  const messages: Record<string, Message> = {};
  for (const [name, schema] of Object.entries(SERVER_MESSAGES)) {
    messages[name] = {
      name,
      title: `${name} (server → client)`,
      summary: SERVER_SUMMARIES[name as keyof typeof SERVER_MESSAGES],
      payload: payloadOf(schema, 'output', shared),
    };
  }
  return messages;
}

const KITE_BINARY =
  'Binary frames exactly as Kite sends them (docs/kite-ticks.md): a 2-byte count of packets, then each packet as a 2-byte length and its bytes, ' +
  `all big-endian. A packet is ${KNOWN_PACKET_LENGTHS} long (ltp; index quote; index full; quote; full, with five levels of depth a side), cut to the token's mode; ` +
  'prices are integers: divide by 100 (by 10,000,000 for NSE currency derivatives, 10,000 for BSE’s). A 1-byte frame is the heartbeat of a session idle for a second.';

const V2_BINARY =
  'With `?format=binary` only: the `ticks` and `snapshot` frames as binary frames instead (every other message stays JSON). Byte 0 is the frame type ' +
  `(${BINARY_FRAME_TYPE.ticks} = ticks, ${BINARY_FRAME_TYPE.snapshot} = snapshot); bytes 1–2 a big-endian uint16 count of packets; then each packet as a uint16 length and its bytes: ` +
  `from byte 1 on, exactly a Kite frame. A packet is ${KNOWN_PACKET_LENGTHS} long and carries its mode by its length; decoded, it is the tick the JSON frame would carry.`;

function refsTo(channel: string, names: string[]) {
  return names.map((name) => ({ $ref: `#/channels/${channel}/messages/${name}` }));
}

let made: unknown;

export function asyncApiDocument(): unknown {
  if (made) return made;
  const shared: Schemas = {};
  const client = clientMessages(shared);
  const server = serverMessages(shared);
  server.binary_ticks = {
    name: 'binary_ticks',
    title: 'ticks and snapshot (server → client, binary, ?format=binary)',
    summary: V2_BINARY,
    contentType: 'application/octet-stream',
    payload: { type: 'string', format: 'binary', description: V2_BINARY },
  };
  const kiteClient: Record<string, Message> = {
    control: {
      name: 'control',
      title: 'control (client → server)',
      summary: 'subscribe, unsubscribe and mode, as kiteconnect’s KiteTicker sends them.',
      payload: payloadOf(KiteControlMessage, 'input', shared),
    },
  };
  const kiteServer: Record<string, Message> = {
    ticks: {
      name: 'ticks',
      title: 'ticks (server → client, binary)',
      summary: KITE_BINARY,
      contentType: 'application/octet-stream',
      payload: { type: 'string', format: 'binary', description: KITE_BINARY },
    },
    error: {
      name: 'error',
      title: 'error (server → client)',
      summary: 'A malformed control message; the connection stays open.',
      payload: payloadOf(KiteErrorMessage, 'output', shared),
    },
  };
  const closeCodes = Object.entries(CloseCode)
    .map(([name, code]) => `${code} ${name}`)
    .join(', ');
  made = {
    asyncapi: '3.0.0',
    info: {
      title: 'kite-edge WebSockets',
      version: packageJson.version,
      description: `Live ticks, option chains and alerts (docs/websocket.md). Close codes: ${closeCodes}. The REST API: /openapi.json.`,
    },
    defaultContentType: 'application/json',
    channels: {
      v2: {
        address: '/v2/ws',
        title: 'The JSON protocol',
        description: `JSON text frames both ways; with \`?format=binary\` the ticks go as binary frames (binary_ticks). Credentials: \`Authorization\` (Bearer access token, or \`token <api_key>:<secret>\`), \`?access_token=\`, or the subprotocols \`bearer.<access token>\` / \`apikey.<api_key>.<secret>\` beside \`${V2_SUBPROTOCOL}\`. \`?resume=<session id>\` takes a lost session back.`,
        messages: { ...client, ...server },
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: {
                resume: { type: 'string', format: 'uuid', description: 'a session lost within the last two minutes' },
                access_token: { type: 'string', description: 'a user’s access token, where a header cannot be set' },
                format: {
                  type: 'string',
                  enum: ['json', 'binary'],
                  default: 'json',
                  description: 'how ticks travel; any other value is refused with HTTP 400 before the upgrade',
                },
              },
            },
          },
        },
      },
      kite: {
        address: '/kite/ws',
        title: 'Kite’s ticker protocol',
        description:
          'For programs written for Kite’s KiteTicker: `?api_key=<key id>&access_token=<secret>`; bad credentials get HTTP 403 as from Kite. Nothing is acknowledged.',
        messages: { ...kiteClient, ...kiteServer },
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: { api_key: { type: 'string', description: 'the API key’s id (ak_…)' }, access_token: { type: 'string', description: 'its secret' } },
              required: ['api_key', 'access_token'],
            },
          },
        },
      },
    },
    operations: {
      receiveV2: { action: 'receive', channel: { $ref: '#/channels/v2' }, title: 'Client messages', messages: refsTo('v2', Object.keys(client)) },
      sendV2: { action: 'send', channel: { $ref: '#/channels/v2' }, title: 'Server messages', messages: refsTo('v2', Object.keys(server)) },
      receiveKite: { action: 'receive', channel: { $ref: '#/channels/kite' }, title: 'Control messages', messages: refsTo('kite', Object.keys(kiteClient)) },
      sendKite: { action: 'send', channel: { $ref: '#/channels/kite' }, title: 'Ticks and errors', messages: refsTo('kite', Object.keys(kiteServer)) },
    },
    components: { schemas: shared },
  };
  return made;
}
