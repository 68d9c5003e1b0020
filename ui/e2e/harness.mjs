// Shared setup for the browser tests, the benchmark and the screenshots: build the UI if
// it is out of date, serve ui/dist on 127.0.0.1:0, bundle the mocked IPC, and launch
// Debian's chromium through playwright-core (no browser download).

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

export const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(UI_DIR, 'dist');

/**
 * The CSP the desktop app ships, read from the root tauri.conf.json so the browser tests
 * run the UI under the same policy (a fallback copy if the file can't be read).
 */
export const CSP = (() => {
  try {
    const conf = JSON.parse(readFileSync(join(UI_DIR, '..', 'tauri.conf.json'), 'utf8'));
    const csp = conf?.app?.security?.csp;
    if (typeof csp === 'string' && csp) return csp;
  } catch {
    // fall through
  }
  return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ipc: http://ipc.localhost; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
})();

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/** Run `npm run build` when dist is missing or older than the sources. */
export function ensureBuilt() {
  const index = join(DIST, 'index.html');
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(UI_DIR, p));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: UI_DIR, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** The mocked IPC as one script for `page.addInitScript`. */
export async function mockBundle() {
  const out = await build({
    entryPoints: [join(UI_DIR, 'e2e/mock/mock-ipc.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json' };

/**
 * Serve ui/dist on 127.0.0.1:0. The page is served with the app's CSP unless the URL has
 * `?nocsp` (the XSS test turns it off to prove rendering is inert by itself).
 */
export function startServer() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(DIST, rel));
    if (!file.startsWith(DIST) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end('not found');
      return;
    }
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' };
    if (file.endsWith('.html') && !url.searchParams.has('nocsp')) headers['content-security-policy'] = CSP;
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((ok) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      ok({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh page with mocked IPC, loaded and live. `config` goes to the mock
 * (`{ demo, empty }`); `hash` picks the view (`inspector`, …).
 */
export async function openApp(browser, baseUrl, bundle, { config = {}, hash = '', query = '', viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, colorScheme: 'dark' });
  const page = await context.newPage();
  const errors = [];
  const dialogs = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.addInitScript(`window.__GW_MOCK_CONFIG = ${JSON.stringify(config)};`);
  await page.addInitScript({ content: bundle });
  await page.goto(`${baseUrl}${query}${hash ? `#/${hash}` : ''}`);
  await page.waitForFunction(() => window.__gw && window.__gw.live);
  return { page, context, errors, dialogs };
}
