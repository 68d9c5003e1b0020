// Dimes held to its document with the reference socket.io-client: both namespaces, each
// documented auth form accepted and rejected, the envelope, partner vs customer scope,
// notifications, and the REST catch-up.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { io } from 'socket.io-client';
import { sioEvent, startSim } from './helpers.mjs';

const AUTH_ERROR = { error: { type: 'AUTHENTICATION_ERROR', code: 'unauthorized', message: 'Unauthorized' } };
const POSITION_EVENTS = [
  'position.created', 'position.opening', 'position.opened', 'position.close_requested',
  'position.closed', 'position.settled', 'position.liquidated', 'position.force_unwound',
  'position.reverted', 'position.cancelled',
];

let sim;
const sockets = [];
before(async () => {
  sim = await startSim(['--rate', '200', '--seed', '3']);
});
after(async () => {
  sockets.forEach((s) => s.close());
  await sim.stop();
});

function connect(kind, opts) {
  const s = io(sim.gw(kind).url, { forceNew: true, reconnection: false, ...opts });
  sockets.push(s);
  return s;
}

async function accepted(socket) {
  let error = null;
  socket.on('error', (e) => { error = e; });
  await sioEvent(socket, 'connect');
  // An accepted socket gets events, not an `error`.
  await new Promise((resolve) => socket.onAny(() => resolve()));
  assert.equal(error, null);
  assert.equal(socket.connected, true);
}

async function rejected(socket) {
  const err = await sioEvent(socket, 'error');
  assert.deepEqual(err, AUTH_ERROR);
  const reason = socket.connected ? await sioEvent(socket, 'disconnect') : 'io server disconnect';
  assert.equal(reason, 'io server disconnect');
}

describe('auth', () => {
  test('partner: API key in the auth payload', async () => {
    await accepted(connect('dimes-partner', { auth: { apiKey: sim.gw('dimes-partner').credentials[0].value } }));
  });
  test('partner: Authorization: Api-Key header (extraHeaders)', async () => {
    const key = sim.gw('dimes-partner').credentials[0].value;
    await accepted(connect('dimes-partner', { extraHeaders: { Authorization: `Api-Key ${key}` } }));
  });
  test('customer: JWT in the auth payload', async () => {
    await accepted(connect('dimes-customer', { auth: { token: sim.gw('dimes-customer').credentials[0].value } }));
  });
  test('customer: Authorization: Bearer header (extraHeaders)', async () => {
    const jwt = sim.gw('dimes-customer').credentials[1].value;
    await accepted(connect('dimes-customer', { extraHeaders: { Authorization: `Bearer ${jwt}` } }));
  });
  test('partner: wrong key, missing key, wrong header → error event then disconnect', async () => {
    await rejected(connect('dimes-partner', { auth: { apiKey: 'dm_live_skey_wrong' } }));
    await rejected(connect('dimes-partner', {}));
    await rejected(connect('dimes-partner', { extraHeaders: { Authorization: 'Api-Key dm_sbx_skey_nope' } }));
  });
  test('customer: wrong token, partner key, wrong header → error event then disconnect', async () => {
    await rejected(connect('dimes-customer', { auth: { token: 'eyJhbGciOiJub25lIn0.e30.' } }));
    await rejected(connect('dimes-customer', { auth: { apiKey: sim.gw('dimes-partner').credentials[0].value } }));
    await rejected(connect('dimes-customer', { extraHeaders: { Authorization: 'Bearer nope' } }));
  });
});

describe('events', () => {
  test('partner sees every event type, in the envelope, for every customer, and no notifications', async () => {
    const s = connect('dimes-partner', { auth: { apiKey: sim.gw('dimes-partner').credentials[0].value } });
    const seen = new Set();
    const wallets = new Set();
    let notifications = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only saw ${[...seen]}`)), 15_000);
      s.onAny((name, event) => {
        if (name === 'notification') { notifications += 1; return; }
        try {
          assert.ok(POSITION_EVENTS.includes(name), name);
          assert.equal(event.type, name);
          assert.match(event.id, /^evt_/);
          assert.ok(!Number.isNaN(Date.parse(event.created_at)), event.created_at);
          assert.match(event.data.id, /^dm_pos_/);
          assert.equal(typeof event.data.status, 'string');
          const closed = ['position.closed', 'position.settled', 'position.liquidated', 'position.reverted', 'position.cancelled'];
          if (closed.includes(name)) {
            assert.equal(typeof event.data.close_reason, 'string');
            assert.equal(typeof event.data.result, 'object');
            assert.equal(event.data.current, undefined);
          } else {
            for (const k of ['entry', 'current', 'risk', 'fees', 'timing']) assert.equal(typeof event.data[k], 'object', k);
          }
          if (name === 'position.liquidated') assert.equal(typeof event.data.result.collected_liquidation_fee_usd, 'number');
        } catch (e) {
          clearTimeout(timer);
          reject(e);
          return;
        }
        seen.add(name);
        wallets.add(event.data.wallet_address);
        if (seen.size === POSITION_EVENTS.length && wallets.size >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(notifications, 0, 'notifications are for the customer gateway only');
  });

  test('a customer sees only its own positions, plus notifications', async () => {
    const me = sim.gw('dimes-customer').credentials[0];
    const s = connect('dimes-customer', { auth: { token: me.value } });
    const codes = new Set();
    let positions = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`codes ${[...codes]}, positions ${positions}`)), 20_000);
      s.onAny((name, event) => {
        try {
          if (name === 'notification') {
            assert.equal(event.type, 'notification');
            assert.match(event.id, /^evt_/);
            assert.equal(typeof event.data.message, 'string');
            assert.match(event.data.params.position_id, /^dm_pos_/);
            codes.add(event.data.code);
          } else {
            assert.equal(event.data.wallet_address, me.subject);
            positions += 1;
          }
        } catch (e) {
          clearTimeout(timer);
          reject(e);
          return;
        }
        if (positions >= 5 && codes.size >= 1) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
});

describe('REST catch-up', () => {
  test('GET /positions and /positions/{id} with the same credentials, scoped', async () => {
    const g = sim.gw('dimes-partner');
    const key = g.credentials[0].value;
    const cust = sim.gw('dimes-customer').credentials[0];
    const all = await (await fetch(`${g.rest_base}/positions`, { headers: { Authorization: `Api-Key ${key}` } })).json();
    assert.ok(all.data.length > 0);
    const mine = await (await fetch(`${g.rest_base}/positions`, { headers: { Authorization: `Bearer ${cust.value}` } })).json();
    assert.ok(mine.data.every((p) => p.wallet_address === cust.subject));
    assert.ok(mine.data.length < all.data.length);
    const one = await fetch(`${g.rest_base}/positions/${all.data[0].id}`, { headers: { Authorization: `Api-Key ${key}` } });
    assert.equal(one.status, 200);
    assert.equal((await one.json()).id, all.data[0].id);
    const denied = await fetch(`${g.rest_base}/positions`);
    assert.equal(denied.status, 401);
    assert.deepEqual(await denied.json(), AUTH_ERROR);
  });
});
