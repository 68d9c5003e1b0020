// Screenshots of each view with realistic mocked data, into assets/screenshots/ui-<view>.png.
// Usage: npm run screenshots

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UI_DIR, ensureBuilt, launch, mockBundle, openApp, startServer } from './harness.mjs';

const OUT = join(UI_DIR, '..', 'assets', 'screenshots');
mkdirSync(OUT, { recursive: true });

ensureBuilt();
const bundle = await mockBundle();
const server = await startServer();
const browser = await launch();
const shots = [];

async function shot(view, prepare) {
  const { page, context, errors } = await openApp(browser, server.url, bundle, { viewport: { width: 1280, height: 800 }, config: { demo: true }, hash: view === 'gateway-details' ? 'positions' : view });
  await page.waitForSelector('[data-testid^=gateway-]');
  if (prepare) await prepare(page);
  // Fonts and the last render settle.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const path = join(OUT, `ui-${view}.png`);
  await page.screenshot({ path });
  if (errors.length) console.error(`${view}: page errors:`, errors);
  shots.push(path);
  await context.close();
}

try {
  await shot('positions', async (page) => {
    await page.waitForSelector('[data-testid=position-card]');
  });
  await shot('intents', async (page) => {
    const id = await page.evaluate(() => window.__gw.data.LOOKUP_INTENT_ID);
    await page.fill('[data-testid=intent-input]', id);
    await page.click('[data-testid=intent-lookup]');
    await page.waitForSelector('[data-testid=intent-timeline]');
    await page.locator('[data-testid=intent-timeline] details').nth(4).locator('summary').click();
  });
  await shot('lobbies', async (page) => {
    await page.waitForSelector('[data-testid=lobby]');
  });
  await shot('inspector', async (page) => {
    await page.waitForSelector('[data-testid=frame-row]');
    await page.evaluate(() => window.__gw.push({ frames: window.__gw.frames(400) }));
    await page.locator('[data-testid=frame-row]:has-text("position.opened")').last().click();
  });
  await shot('notifications', async (page) => {
    await page.waitForSelector('[data-testid=notification-history]');
    const now = new Date().toISOString();
    await page.evaluate((now) => window.__gw.push({ toasts: [
      { id: 't-live-1', severity: 'critical', connection: 'axisor', gateway: 'axisor', title: 'Auto-close executed', body: 'pos_44907 ETHUSD short closed by margin guard at 3,561.', at: now },
      { id: 't-live-2', severity: 'info', connection: 'fusion', gateway: 'fusion', title: 'Intent completed', body: 'int_c9f0…236d: base → ethereum, 125 USDC.', at: now },
    ] }), now);
    await page.waitForSelector('[data-testid=toast]');
  });
  await shot('settings', async (page) => {
    await page.waitForSelector('[data-testid=connection-list] li');
    await page.locator('[data-testid=connection-list] li').first().locator('button:has-text("Edit")').click();
    await page.waitForSelector('[data-testid=connection-form]');
  });
  await shot('gateway-details', async (page) => {
    await page.click('[data-testid=gateway-zkde]');
    await page.waitForSelector('[data-testid=connection-details]');
  });
  console.log(shots.join('\n'));
} finally {
  await browser.close();
  await server.close();
}
