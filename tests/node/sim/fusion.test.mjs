// Fusion held to its document with the reference socket.io-client: intent rooms,
// subscribe:all, ping/pong, intent:not_found and error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { io } from 'socket.io-client';
import { sioEvent, startSim } from './helpers.mjs';

const STATUSES = ['proofs_pending', 'proofs_verified', 'matched', 'waiting_for_source_lock', 'executing', 'completed', 'failed'];
const FORMATTED = ['intentId', 'status', 'proofStatus', 'solver', 'fromChain', 'toChain', 'amount', 'createdAt',
  'updatedAt', 'matchedAt', 'completedAt', 'htlcState', 'txHashes', 'error', 'failureReason', 'timestamp'];

let sim;
let socket;
before(async () => {
  sim = await startSim(['--rate', '200', '--seed', '5']);
  // The document's own example uses both transports.
  socket = io(sim.gw('fusion').url, { transports: ['websocket', 'polling'], reconnection: false });
  await sioEvent(socket, 'connect');
});
after(async () => {
  socket?.close();
  await sim.stop();
});

test('ping → pong {timestamp}', async () => {
  const pong = sioEvent(socket, 'pong');
  socket.emit('ping');
  assert.ok(!Number.isNaN(Date.parse((await pong).timestamp)));
});

test('subscribe:intent of an unknown id → intent:not_found', async () => {
  const nf = sioEvent(socket, 'intent:not_found');
  socket.emit('subscribe:intent', '0xnot-an-intent');
  assert.deepEqual(await nf, { intentId: '0xnot-an-intent' });
});

test('a malformed intent id → error', async () => {
  for (const bad of [123, '', null]) {
    const err = sioEvent(socket, 'error');
    socket.emit('subscribe:intent', bad);
    assert.equal(typeof (await err).message, 'string');
  }
});

test('subscribe:all → mempool:stats at once, then the all-intents events', async () => {
  const stats = sioEvent(socket, 'mempool:stats');
  socket.emit('subscribe:all');
  const s = await stats;
  for (const k of ['total', 'submitted', 'matched', 'executing', 'completed', 'failed', 'cancelled']) {
    assert.equal(typeof s[k], 'number', k);
  }
  const seen = new Set();
  const statuses = new Set();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`saw ${[...seen]} / ${[...statuses]}`)), 15_000);
    const h = (name, arg) => {
      seen.add(name);
      if (name === 'intent:new' || name === 'intent:status_changed') {
        for (const k of FORMATTED) assert.ok(k in arg, `${k} in ${name}`);
        statuses.add(arg.status);
      }
      if (name === 'intent:status_changed') assert.equal(typeof arg.oldStatus, 'string');
      if (name === 'intent:proof_changed') {
        for (const k of ['intentId', 'proofStatus', 'oldProofStatus', 'proofGeneratedAt', 'timestamp']) assert.ok(k in arg, k);
      }
      if (name === 'intent:removed') assert.equal(typeof arg.intentId, 'string');
      const want = ['intent:new', 'intent:status_changed', 'intent:proof_changed', 'intent:removed', 'mempool:stats'];
      if (want.every((w) => seen.has(w)) && STATUSES.every((st) => statuses.has(st))) {
        socket.offAny(h);
        clearTimeout(timer);
        resolve();
      }
    };
    socket.onAny(h);
  });
  socket.emit('unsubscribe:all');
});

test('subscribe:intent of a live intent → intent:status now, then its room events', async () => {
  socket.emit('subscribe:all');
  const fresh = await sioEvent(socket, 'intent:new');
  socket.emit('unsubscribe:all');
  const status = sioEvent(socket, 'intent:status', (u) => u.intentId === fresh.intentId);
  socket.emit('subscribe:intent', fresh.intentId);
  const now = await status;
  for (const k of FORMATTED) assert.ok(k in now, k);
  // Its room then gets proof and status updates for that intent only.
  const proof = await sioEvent(socket, 'intent:proof', (p) => p.intentId === fresh.intentId, 15_000);
  assert.equal(typeof proof.proofStatus, 'string');
  assert.equal(typeof proof.oldProofStatus, 'string');
  socket.emit('unsubscribe:intent', fresh.intentId);
});
