// zkde held to its document with the reference `ws` client: the connected message, JSON
// ping/pong, the drop of a client that never answers, per-address events and broadcasts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { inbox, startSim } from './helpers.mjs';

let sim;
const open = [];
before(async () => {
  sim = await startSim(['--rate', '200', '--zkde-ping-interval', '0.2', '--zkde-pong-timeout', '0.3']);
});
after(async () => {
  open.forEach((ws) => ws.terminate());
  await sim.stop();
});

function connect(address) {
  const url = sim.gw('zkde').url_template.replace('{address}', address);
  const ws = new WebSocket(url);
  open.push(ws);
  return { ws, box: inbox(ws) };
}

test('connected, pings answered keep the client; a client that never pongs is dropped', async () => {
  const addr = sim.gw('zkde').credentials[0].value;
  const good = connect(addr);
  const lazy = connect(addr);
  // Answer every ping, as the document asks.
  good.ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'ping') good.ws.send(JSON.stringify({ type: 'pong' }));
  });
  const hello = await good.box.type('connected');
  assert.equal(typeof hello.message, 'string');
  await lazy.box.type('connected');
  const ping = await lazy.box.type('ping');
  assert.ok(!Number.isNaN(Date.parse(ping.timestamp)));
  const { code } = await lazy.box.closed;
  assert.equal(code, 1008);
  // The answering client outlives several more ping rounds.
  for (let i = 0; i < 3; i += 1) await good.box.type('ping');
  assert.equal(good.ws.readyState, WebSocket.OPEN);
});

test('per-address events go to that address, market_change to everyone', async () => {
  const [a] = sim.gw('zkde').credentials.map((c) => c.value);
  const mine = connect(a);
  const stranger = connect('0x1234');
  const answer = ({ ws }) => ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
  });
  answer(mine);
  answer(stranger);
  const types = new Set();
  while (!['strategy_update', 'alert', 'proof_complete', 'position_update', 'agent_status_change', 'market_change']
    .every((t) => types.has(t))) {
    const m = await mine.box.next((x) => x.type !== 'ping' && x.type !== 'connected', 'a zkde event', 15_000);
    assert.equal(typeof m.data, 'object', 'fields under data');
    types.add(m.type);
  }
  const change = await stranger.box.type('market_change');
  for (const k of ['change_type', 'pool_id', 'old_value', 'new_value', 'change_pct']) assert.ok(k in change.data, k);
  const leaked = stranger.box.all.filter((m) => !['ping', 'connected', 'market_change'].includes(m.type));
  assert.deepEqual(leaked, []);
});

test('alerts come in every severity and type', async () => {
  const { box, ws } = connect(sim.gw('zkde').credentials[0].value);
  ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
  });
  const severities = new Set();
  const kinds = new Set();
  while (severities.size < 3 || kinds.size < 3) {
    const a = await box.type('alert', 15_000);
    severities.add(a.data.severity);
    kinds.add(a.data.alert_type);
    assert.equal(typeof a.data.message, 'string');
    assert.equal(typeof a.data.action, 'string');
  }
  assert.deepEqual([...kinds].sort(), ['drawdown', 'exposure', 'health_factor']);
});
