// Axisor held to its document with the reference `ws` client: both auth forms, the
// connection reply, rooms, INVALID_ROOM and AUTHENTICATION_FAILED, and routing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { inbox, opened, startSim } from './helpers.mjs';

let sim;
const open = [];
before(async () => {
  sim = await startSim(['--rate', '200', '--seed', '7']);
});
after(async () => {
  open.forEach((ws) => ws.terminate());
  await sim.stop();
});

function connect(headers) {
  const ws = new WebSocket(sim.gw('axisor').url, headers ? { headers } : undefined);
  open.push(ws);
  return { ws, box: inbox(ws) };
}

const jwt = (i = 0) => sim.gw('axisor').credentials[i].value;

test('Bearer header at upgrade → connection reply', async () => {
  const { box } = connect({ Authorization: `Bearer ${jwt()}` });
  const c = await box.type('connection');
  assert.equal(c.status, 'connected');
  assert.equal(c.userId, 'user_123');
  assert.equal(typeof c.sessionId, 'string');
  assert.ok(!Number.isNaN(Date.parse(c.serverTime)));
});

test('first-message auth → connection reply', async () => {
  const { ws, box } = connect();
  await opened(ws);
  ws.send(JSON.stringify({ type: 'auth', token: jwt(1) }));
  assert.equal((await box.type('connection')).userId, 'user_456');
});

test('bad token by either form → AUTHENTICATION_FAILED, then close', async () => {
  const a = connect({ Authorization: 'Bearer not.a.jwt' });
  assert.equal((await a.box.type('error')).code, 'AUTHENTICATION_FAILED');
  await a.box.closed;
  const b = connect();
  await opened(b.ws);
  b.ws.send(JSON.stringify({ type: 'auth', token: 'nope' }));
  assert.equal((await b.box.type('error')).code, 'AUTHENTICATION_FAILED');
  await b.box.closed;
});

test('subscribe / unsubscribe / list_rooms, INVALID_ROOM', async () => {
  const { ws, box } = connect({ Authorization: `Bearer ${jwt()}` });
  await box.type('connection');
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'market:BTC_USD' }));
  const sub = await box.type('room_subscription');
  assert.equal(sub.channel, 'market:BTC_USD');
  assert.equal(sub.status, 'subscribed');
  assert.deepEqual([...sub.subscribedRooms].sort(), ['market:BTC_USD', 'user:user_123']);
  ws.send(JSON.stringify({ type: 'subscribe', channel: 'definitely-not-a-room' }));
  assert.equal((await box.type('error')).code, 'INVALID_ROOM');
  ws.send(JSON.stringify({ type: 'unsubscribe', channel: 'market:BTC_USD' }));
  assert.equal((await box.type('room_subscription')).status, 'unsubscribed');
  ws.send(JSON.stringify({ type: 'list_rooms' }));
  assert.deepEqual((await box.type('room_subscription')).subscribedRooms, ['user:user_123']);
});

test('market data only for subscribed markets; margin risk crosses, guard runs, auto-close', async () => {
  const { ws, box } = connect({ Authorization: `Bearer ${jwt()}` });
  await box.type('connection');
  for (const channel of ['market:ETH_USD', 'positions', 'notifications', 'margin_guard']) {
    ws.send(JSON.stringify({ type: 'subscribe', channel }));
  }
  const market = await box.next((m) => m.type === 'market_data_update', 'market data', 15_000);
  assert.equal(market.data.symbol, 'ETH_USD');
  assert.equal(market.channel, 'market_data');
  const atRisk = await box.next(
    (m) => m.type === 'position_status_update' && m.data.position.isAtRisk === true, 'an at-risk position', 15_000);
  assert.ok(atRisk.data.position.distanceToLiquidation < 0.85);
  assert.equal(atRisk.data.userId, 'user_123');
  const guard = await box.type('margin_guard_execution', 15_000);
  assert.equal(guard.channel, 'margin_guard');
  assert.ok(Array.isArray(guard.data.positions));
  const closed = await box.type('auto_close_execution', 15_000);
  assert.equal(closed.data.position.reason, 'margin_guard_auto_close');
  const markets = box.all.filter((m) => m.type === 'market_data_update' || m.type === 'historical_data_update');
  assert.ok(markets.every((m) => m.data.symbol === 'ETH_USD'), 'no other symbol leaked');
  const others = box.all.filter((m) => m.data && m.data.userId && m.data.userId !== 'user_123');
  assert.deepEqual(others, [], "no other user's events");
});
