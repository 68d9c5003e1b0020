// Hashi held to its document with the reference `ws` client: token in the query string,
// connected / pong / AUTH_ERROR, contract events to all, lobby and storage events to the
// lobby's members, subscribe to a lobby room.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { inbox, opened, startSim } from './helpers.mjs';

let sim;
const open = [];
before(async () => {
  sim = await startSim(['--rate', '200', '--seed', '11']);
});
after(async () => {
  open.forEach((ws) => ws.terminate());
  await sim.stop();
});

function connect(token) {
  const base = sim.gw('hashi').url;
  const ws = new WebSocket(token === undefined ? base : `${base}?token=${encodeURIComponent(token)}`);
  open.push(ws);
  return { ws, box: inbox(ws) };
}
const player = (i) => sim.gw('hashi').credentials[i];

test('token → connected; ping → pong', async () => {
  const { ws, box } = connect(player(0).value);
  assert.equal((await box.type('connected')).type, 'connected');
  ws.send(JSON.stringify({ type: 'ping' }));
  const pong = await box.type('pong');
  assert.ok(!Number.isNaN(Date.parse(pong.data.timestamp)));
});

test('bad or missing token → AUTH_ERROR, then close', async () => {
  for (const t of ['bad-token', undefined]) {
    const { box } = connect(t);
    const e = await box.type('error');
    assert.deepEqual(e, { type: 'error', data: { message: 'Authentication failed', code: 'AUTH_ERROR' } });
    await box.closed;
  }
});

test('members get their lobby; others get contracts only, until they subscribe', async () => {
  const host = connect(player(0).value); // alice hosts the first lobby
  const outsider = connect(player(2).value); // carol is not in it
  await host.box.type('connected');
  await outsider.box.type('connected');
  const lobby = await host.box.next((m) => m.type === 'lobby:event', 'a lobby event', 15_000);
  for (const k of ['type', 'lobbyId', 'lobbyCode', 'timestamp', 'payload']) assert.ok(k in lobby.data, k);
  const storage = await host.box.next((m) => m.type === 'storage:event', 'a storage event', 15_000);
  for (const k of ['type', 'storageId', 'contractId', 'lobbyId', 'playerId', 'timestamp']) assert.ok(k in storage.data, k);
  assert.equal(typeof storage.data.payload.storage, 'object');

  const contract = await outsider.box.type('contract:event', 15_000);
  for (const k of ['type', 'contractId', 'lobbyId', 'timestamp', 'payload']) assert.ok(k in contract.data, k);
  // Until it subscribes, the outsider only sees lobbies it is a participant of.
  for (const m of outsider.box.all.filter((x) => x.type === 'lobby:event')) {
    const ids = m.data.payload.lobby.participants.map((p) => p.playerId);
    assert.ok(ids.includes(player(2).subject) || m.data.payload.playerId === player(2).subject);
  }
  const target = contract.data.lobbyId;
  outsider.ws.send(JSON.stringify({ type: 'subscribe', data: { lobbyId: target } }));
  const got = await outsider.box.next(
    (m) => (m.type === 'lobby:event' || m.type === 'storage:event') && m.data.lobbyId === target,
    'an event of the subscribed lobby', 15_000);
  assert.equal(got.data.lobbyId, target);
});

test('every contract, lobby and storage event type shows up', async () => {
  const { ws, box } = connect(player(0).value);
  await opened(ws);
  const want = [
    'contract.created', 'contract.initializing', 'contract.initialized', 'contract.deleted',
    'contract.payment_transferred', 'contract.outcome_attested', 'contract.decision_contested',
    'contract.mediation_submitted', 'contract.admin_decision', 'contract.payout_finalized',
    'lobby.created', 'lobby.joined', 'lobby.left', 'lobby.deleted',
    'storage.external_url_created', 'storage.presigned_url_created', 'storage.multipart_completed',
    'storage.multipart_aborted', 'storage.deleted',
  ];
  // Subscribing to every lobby this player hears of makes the whole cycle visible.
  const seen = new Set();
  while (!want.every((w) => seen.has(w))) {
    const m = await box.next((x) => ['contract:event', 'lobby:event', 'storage:event'].includes(x.type), 'an event', 15_000);
    seen.add(m.data.type);
    // The lenient top-level `lobbyId` form, which the simulator accepts too.
    if (m.type === 'contract:event') ws.send(JSON.stringify({ type: 'subscribe', lobbyId: m.data.lobbyId }));
  }
});
