// Browser tests of the built UI with mocked Tauri IPC (see harness.mjs, mock/mock-ipc.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ensureBuilt, launch, mockBundle, openApp, startServer } from './harness.mjs';

let server;
let browser;
let bundle;

before(async () => {
  ensureBuilt();
  bundle = await mockBundle();
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const open = (opts) => openApp(browser, server.url, bundle, opts);

/** A Dimes position as the engine's PositionView. */
const dimesPos = (id, over = {}) => ({
  venue: 'dimes', connection: 'dimes-partner', id, market: 'TEST-MKT', side: 'yes', size: 10, entry: 0.5,
  current_value: 0.5, pnl: 0, leverage: 2, margin: 5, distance_to_liquidation: 0.3, at_risk: false,
  status: 'pending', finalizing: false, closed: false, stale: false, last_event_type: 'position.created',
  created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', ...over,
});

test('the first page shows the version from app_info and the gateway kinds', async () => {
  const { page, context, errors } = await open({ config: { empty: true, demo: false } });
  await page.waitForSelector('#app-version:has-text("Gatewatch 0.1.0")');
  assert.match(await page.textContent('#gateway-kinds'), /dimes-partner.*fusion/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('position cards appear and update in place as batches land', async () => {
  const { page, context, errors } = await open({ config: { empty: true, demo: false } });
  await page.waitForSelector('[data-testid=positions-empty]');
  await page.evaluate((p) => window.__gw.push({ positions: [p] }), dimesPos('dm_pos_T1', { status: 'pending', finalizing: true, last_event_type: 'position.opening' }));
  const card = page.locator('[data-testid=position-card][data-id=dm_pos_T1]');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-status'), 'finalizing');
  // Tag the DOM node: if the card is updated in place, the tag survives the next batch.
  await card.evaluate((el) => { el.dataset.probe = 'same-node'; });
  await page.evaluate((p) => window.__gw.push({ positions: [p] }), dimesPos('dm_pos_T1', { status: 'open', pnl: 12.5, last_event_type: 'position.opened' }));
  await page.waitForSelector('[data-testid=position-card][data-id=dm_pos_T1][data-status=open]');
  assert.equal(await card.getAttribute('data-probe'), 'same-node');
  assert.equal(await card.locator('[data-testid=pnl]').textContent(), '+12.5');
  assert.equal(await page.locator('[data-testid=position-card]').count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a liquidated position changes badge and moves to the history section', async () => {
  const { page, context } = await open({ config: { empty: true, demo: false } });
  await page.evaluate((ps) => window.__gw.push({ positions: ps }), [dimesPos('dm_pos_L1', { status: 'open', at_risk: true }), dimesPos('dm_pos_L2', { status: 'open' })]);
  await page.waitForSelector('[data-testid=live-positions] [data-id=dm_pos_L1]');
  assert.equal(await page.locator('[data-testid=live-positions] [data-id=dm_pos_L1].at-risk').count(), 1);
  await page.evaluate((p) => window.__gw.push({ positions: [p] }), dimesPos('dm_pos_L1', { status: 'liquidated', closed: true, last_event_type: 'position.liquidated' }));
  await page.waitForSelector('[data-testid=history-positions] [data-id=dm_pos_L1][data-status=liquidated]');
  assert.equal(await page.locator('[data-testid=live-positions] [data-id=dm_pos_L1]').count(), 0);
  assert.equal(await page.locator('[data-testid=live-positions] [data-id=dm_pos_L2]').count(), 1);
  await context.close();
});

test('position filters narrow the board', async () => {
  const { page, context } = await open({ config: { demo: true } });
  await page.waitForSelector('[data-testid=position-card]');
  const all = await page.locator('[data-testid=live-positions] [data-testid=position-card]').count();
  await page.selectOption('[data-testid=filter-venue]', 'axisor');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-positions] [data-testid=position-card]')].every((c) => c.getAttribute('data-venue') === 'axisor'));
  const axisor = await page.locator('[data-testid=live-positions] [data-testid=position-card]').count();
  assert.ok(axisor > 0 && axisor < all, `axisor ${axisor} of ${all}`);
  await page.check('[data-testid=filter-at-risk]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=live-positions] [data-testid=position-card]')].every((c) => c.classList.contains('at-risk')));
  assert.equal(await page.locator('[data-testid=live-positions] [data-testid=position-card]').count(), 1);
  await context.close();
});

test('a filter narrows the inspector, and free text searches the SQLite history', async () => {
  const { page, context } = await open({ config: { empty: true, demo: false }, hash: 'inspector' });
  await page.evaluate(() => {
    const f = window.__gw.frames(90);
    f.push({ ...f[0], seq: 999999, connection: 'hashi', gateway: 'hashi', event_type: 'lobby.joined', entity_id: 'LOBBY-NEEDLE', text: '{"type":"lobby:event","data":{"type":"lobby.joined","lobbyId":"LOBBY-NEEDLE"}}' });
    window.__gw.push({ frames: f });
  });
  await page.waitForSelector('[data-testid=inspector-count]:has-text("91 shown")');
  await page.fill('[data-testid=inspector-entity]', 'needle');
  await page.waitForSelector('[data-testid=inspector-count]:has-text("1 shown")');
  const rows = page.locator('[data-testid=frame-row]');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().textContent(), /lobby\.joined/);
  // Frames that arrive later are filtered too.
  await page.evaluate(() => window.__gw.push({ frames: window.__gw.frames(30) }));
  await page.waitForSelector('[data-testid=inspector-count]:has-text("121 buffered")');
  assert.equal(await rows.count(), 1);
  // Selecting a row shows it as pretty JSON.
  await rows.first().click();
  assert.match(await page.textContent('[data-testid=json]'), /"lobbyId": "LOBBY-NEEDLE"/);
  // Free text goes to search_events (the history) by itself, debounced, with the other filters.
  await page.fill('[data-testid=inspector-entity]', '');
  await page.fill('[data-testid=inspector-text]', 'BTC-150K');
  await page.waitForSelector('[data-testid=history-count]');
  const call = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'search_events').at(-1));
  assert.equal(call.args.filter.text, 'BTC-150K');
  assert.equal(await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'search_events').length), 1, 'one query for the whole typed text');
  assert.equal(await page.locator('[data-testid=history-results] li').count(), 1);
  assert.match(await page.textContent('[data-testid=history-results]'), /dm_pos_9Kq1/);
  await context.close();
});

test('pause stops the inspector taking frames and tells the engine', async () => {
  const { page, context } = await open({ config: { empty: true, demo: false }, hash: 'inspector' });
  await page.evaluate(() => window.__gw.push({ frames: window.__gw.frames(5) }));
  await page.waitForSelector('[data-testid=inspector-count]:has-text("5 shown")');
  await page.click('[data-testid=inspector-pause]');
  await page.evaluate(() => window.__gw.push({ frames: window.__gw.frames(7) }));
  await page.waitForSelector('[data-testid=inspector-count]:has-text("7 skipped while paused")');
  assert.match(await page.textContent('[data-testid=inspector-count]'), /5 shown/);
  const call = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'set_inspector_paused').at(-1));
  assert.deepEqual(call.args, { paused: true });
  await context.close();
});

test('an intent lookup shows its status and timeline, and subscribe calls subscribe_intent', async () => {
  const { page, context } = await open({ config: { demo: true }, hash: 'intents' });
  const id = await page.evaluate(() => window.__gw.data.LOOKUP_INTENT_ID);
  await page.fill('[data-testid=intent-input]', `  ${id}  `);
  await page.click('[data-testid=intent-lookup]');
  await page.waitForSelector('[data-testid=intent-timeline]');
  assert.equal(await page.textContent('[data-testid=intent-status]'), 'executing');
  const items = page.locator('[data-testid=intent-timeline] > li');
  assert.equal(await items.count(), 5);
  assert.match(await items.nth(0).textContent(), /intent:new/);
  assert.match(await items.nth(3).textContent(), /status PROOFS_VERIFIED → matched/);
  await page.click('[data-testid=intent-subscribe]');
  await page.waitForSelector('text=Subscribed to');
  const call = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'subscribe_intent').at(-1));
  assert.deepEqual(call.args, { connection: 'fusion', id });
  // An unknown id shows the AppError message.
  await page.fill('[data-testid=intent-input]', 'int_nope');
  await page.click('[data-testid=intent-lookup]');
  await page.waitForSelector('[role=alert]:has-text("not_found: no intent int_nope")');
  await context.close();
});

test('untrusted strings render as inert text (no CSP to help)', async () => {
  const { page, context, dialogs } = await open({ config: { empty: true, demo: false }, query: '?nocsp' });
  const evil = '<script>alert(1)</script><img src=x onerror="alert(2)">';
  await page.evaluate((evil) => {
    const f = window.__gw.frames(1)[0];
    window.__gw.push({
      positions: [{ venue: 'dimes', connection: 'dimes-partner', id: evil, market: evil, side: 'yes', size: 1, entry: 1, current_value: 1, pnl: 0, leverage: 1, margin: 1, distance_to_liquidation: 1, at_risk: false, status: evil, finalizing: false, closed: false, stale: false, last_event_type: evil, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }],
      toasts: [{ id: 'x1', severity: 'critical', connection: evil, gateway: 'axisor', title: evil, body: evil, at: '2026-01-01T00:00:00Z' }],
      frames: [{ ...f, event_type: evil, entity_id: evil, text: JSON.stringify({ html: evil }) }],
      connections: [{ connection: evil, gateway: 'axisor', environment: evil, url: evil, state: { state: 'auth_failed', message: evil }, counters: { frames_in: 0, frames_out: 0, events: 0, decode_errors: 0, duplicates: 0, stale: 0, reconnects: 0, dropped_frames: 0, last_event_at: null, events_per_sec: 0, heartbeat_rtt_ms: null }, last_error: evil }],
    });
  }, evil);
  await page.waitForSelector('[data-testid=position-card]');
  await page.waitForSelector('[data-testid=toast]');
  assert.ok((await page.textContent('[data-testid=position-card]')).includes('<img src=x onerror="alert(2)">'));
  assert.ok((await page.textContent('[data-testid=toast]')).includes('<script>alert(1)</script>'));
  await page.click('[data-testid=tab-inspector]');
  await page.waitForSelector('[data-testid=frame-row]');
  await page.locator('[data-testid=frame-row]').first().click();
  await page.locator('[data-testid^="gateway-"]').first().click();
  await page.waitForSelector('[data-testid=connection-details]');
  // Give any injected handler a chance to run before asserting it didn't.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator('img').count(), 0, 'an <img> element was created from a payload');
  assert.equal(await page.evaluate(() => [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('alert(1)')).length), 0);
  await context.close();
});

test('the demo banner shows when the snapshot says demo, and not otherwise', async () => {
  const demo = await open({ config: { demo: true } });
  await demo.page.waitForSelector('[data-testid=demo-banner]');
  assert.match(await demo.page.textContent('[data-testid=demo-banner]'), /Demo data/);
  await demo.context.close();
  const real = await open({ config: { demo: false, empty: true } });
  await real.page.waitForSelector('#app-version:has-text("0.1.0")');
  await real.page.waitForFunction(() => window.__gw.calls.some((c) => c.cmd === 'snapshot'));
  assert.equal(await real.page.locator('[data-testid=demo-banner]').count(), 0);
  await real.context.close();
});

test('toasts stack and can be dismissed; the history keeps them', async () => {
  const { page, context } = await open({ config: { empty: true, demo: false } });
  const t = (id, severity) => ({ id, severity, connection: 'zkde', gateway: 'zkde', title: `T ${id}`, body: 'b', at: new Date().toISOString() });
  await page.evaluate((ts) => window.__gw.push({ toasts: ts }), [t('a', 'info'), t('b', 'critical')]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=toast]').length === 2);
  await page.click('button[aria-label="Dismiss notification T b"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=toast]').length === 1);
  assert.equal(await page.textContent('[data-testid=tab-notifications] .count'), '2');
  await page.click('[data-testid=tab-notifications]');
  assert.equal(await page.locator('[data-testid=notification-history] li').count(), 2);
  await page.waitForSelector('[data-testid=tab-notifications] .count', { state: 'detached' });
  await context.close();
});

test('settings: the secret is write-only and is sent once with save', async () => {
  const { page, context } = await open({ config: { demo: true }, hash: 'settings' });
  await page.waitForSelector('[data-testid=connection-list] li');
  await page.click('[data-testid=add-connection]');
  const form = page.locator('[data-testid=connection-form]');
  await form.locator('label:has-text("Name") input').fill('dimes-sbx');
  await form.locator('label:has-text("URL") input').fill('wss://sbx.example/v1/ws/prediction-markets/positions');
  await form.locator('label:has-text("Credential") select').selectOption('literal');
  await page.fill('[data-testid=secret-input]', 'dm_sbx_skey_SECRET123');
  assert.equal(await page.getAttribute('[data-testid=secret-input]', 'type'), 'password');
  await form.locator('button[type=submit]').click();
  await page.waitForSelector('[data-testid=form-msg]:has-text("Saved dimes-sbx")');
  const save = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'save_connection').at(-1));
  assert.equal(save.args.secret, 'dm_sbx_skey_SECRET123');
  assert.deepEqual(save.args.settings.credential, { kind: 'literal', set: true });
  // After saving, the secret is gone from the form and nowhere on the page.
  assert.equal(await page.inputValue('[data-testid=secret-input]'), '');
  assert.ok(!(await page.content()).includes('SECRET123'));
  assert.match(await page.getAttribute('[data-testid=secret-input]', 'placeholder'), /a secret is stored/);
  await context.close();
});

test('keyboard: arrows move between tabs, Enter opens a gateway, Escape closes it', async () => {
  const { page, context } = await open({ config: { demo: true } });
  await page.focus('[data-testid=tab-positions]');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-testid=tab-intents]', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-intents');
  await page.waitForSelector('#intent-id');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('[data-testid=tab-settings]', 'aria-selected'), 'true');
  await page.focus('[data-testid=gateway-zkde]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=connection-details]');
  assert.match(await page.textContent('[data-testid=connection-details]'), /reconnecting \(attempt 3\)/);
  await page.keyboard.press('Escape');
  await page.waitForSelector('[data-testid=connection-details]', { state: 'detached' });
  await context.close();
});

test('export sends the filtered set and a path to export_events and reports the count', async () => {
  const { page, context } = await open({ config: { demo: true }, hash: 'inspector' });
  await page.fill('[data-testid=inspector-type]', 'intent:');
  await page.fill('[data-testid=export-path]', '/tmp/intents.jsonl');
  await page.click('[data-testid=export-button]');
  await page.waitForSelector('[data-testid=export-msg]:has-text("Exported 5 events to /tmp/intents.jsonl")');
  const call = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'export_events').at(-1));
  assert.equal(call.args.path, '/tmp/intents.jsonl');
  assert.equal(call.args.filter.event_type, 'intent:');
  assert.equal(call.args.filter.connection, null);
  await context.close();
});

test('settings: remove asks first (Keep cancels, a second click removes); test shows the result', async () => {
  const { page, context } = await open({ config: { demo: true }, hash: 'settings' });
  await page.waitForSelector('[data-testid=connection-list] li');
  const list = page.locator('[data-testid=connection-list] li');
  const before = await list.count();
  await list.first().locator('button:has-text("Remove")').click();
  await list.first().locator('button:has-text("Keep")').click();
  assert.equal(await list.count(), before);
  assert.equal(await page.evaluate(() => window.__gw.calls.some((c) => c.cmd === 'remove_connection')), false);
  await list.first().locator('button:has-text("Remove")').click();
  await page.click('[data-testid=confirm-remove]');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid=connection-list] li').length === n - 1, before);
  const rm = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'remove_connection').at(-1));
  assert.deepEqual(rm.args, { name: 'dimes-partner' });
  await list.first().locator('button:has-text("Edit")').click();
  await page.locator('[data-testid=connection-form] button:has-text("Test")').click();
  await page.waitForSelector('[data-testid=form-msg]:has-text("Connected and authenticated")');
  const call = await page.evaluate(() => window.__gw.calls.filter((c) => c.cmd === 'test_connection').at(-1));
  assert.deepEqual(call.args.settings.credential, { kind: 'env', var: 'AXISOR_JWT' });
  assert.equal(call.args.secret, null);
  await context.close();
});

test('a removed connection loses its tile; a reset batch (engine restarted) replaces tiles, cards and the demo banner', async () => {
  const { page, context, errors } = await open({ config: { demo: true } });
  await page.waitForSelector('[data-testid=demo-banner]');
  await page.waitForSelector('[data-testid=gateway-dimes-partner]');
  const others = await page.evaluate(() => window.__gw.data.connections().filter((c) => c.connection !== 'dimes-partner'));
  // The status list is the whole list: a connection missing from it is gone.
  await page.evaluate((cs) => window.__gw.push({ connections: cs }), others);
  await page.waitForSelector('[data-testid=gateway-dimes-partner]', { state: 'detached' });
  assert.equal(await page.locator('.strip [data-testid^=gateway-]').count(), others.length);
  // Saving the first real connection restarts the engine off the simulator.
  const real = { ...others.find((c) => c.connection === 'axisor'), connection: 'axisor-prod', environment: 'prod' };
  await page.evaluate(
    ([c, p]) => window.__gw.push({ reset: { demo: false }, connections: [c], positions: [p] }),
    [real, dimesPos('ax_real_1', { venue: 'axisor', connection: 'axisor-prod', status: 'open' })],
  );
  await page.waitForSelector('[data-testid=demo-banner]', { state: 'detached' });
  assert.equal(await page.locator('.strip [data-testid^=gateway-]').count(), 1);
  await page.waitForSelector('[data-testid=gateway-axisor-prod]');
  const ids = await page.locator('[data-testid=position-card]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.deepEqual(ids, ['ax_real_1']);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the heartbeat round trip shows per gateway, or why there is none', async () => {
  const { page, context } = await open({ config: { demo: true } });
  const rtt = (name) => page.locator(`[data-testid=gateway-${name}] [data-testid=rtt]`);
  await rtt('axisor').waitFor();
  assert.equal(await rtt('axisor').textContent(), 'rtt 9 ms');
  assert.match(await rtt('axisor').getAttribute('title'), /WebSocket ping/);
  // The mock's zkde is reconnecting: nothing to time, and the tooltip says so.
  assert.equal(await rtt('zkde').textContent(), 'rtt n/a');
  assert.match(await rtt('zkde').getAttribute('title'), /not connected/);
  await context.close();
});
