// UI benchmark (prints numbers; not a pass/fail test). Feeds the inspector 5,000 frames/s
// for 10 s — 30 batches/s of ~167 frames, each batch JSON-parsed at delivery as the IPC
// channel would — and measures, in the page:
//   - rendered updates/s of the inspector (animation frames in which its DOM changed),
//   - animation frames/s and the longest gap between two frames,
//   - long tasks (PerformanceObserver 'longtask', > 50 ms) and long animation frames
//     ('long-animation-frame', > 50 ms), with the longest of each.
// Usage: npm run bench [-- --seconds 10 --rate 5000]

import { cpus, loadavg } from 'node:os';
import { ensureBuilt, launch, mockBundle, openApp, startServer } from './harness.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 10);
const RATE = arg('rate', 5000);
const BATCHES_PER_SEC = 30;

async function scenario(browser, server, bundle, { name, filterText = '' }) {
  const { page, context, errors } = await openApp(browser, server.url, bundle, { config: { empty: true, demo: false }, hash: 'inspector' });
  if (filterText) await page.fill('[data-testid=inspector-text]', filterText);
  const cdp = process.env.PROFILE ? await context.newCDPSession(page) : null;
  if (cdp) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.start'); }
  const result = await page.evaluate(
    async ({ seconds, rate, bps }) => {
      const perBatch = Math.round(rate / bps);
      const nBatches = seconds * bps;
      // Pre-serialize the batches so generating them doesn't count; parsing them does.
      const payloads = [];
      for (let i = 0; i < nBatches; i++) {
        payloads.push(JSON.stringify({ frames: window.__gw.frames(perBatch) }));
      }
      // Let the generation task finish and a few frames pass, so it isn't measured.
      for (let i = 0; i < 5; i++) await new Promise((r) => requestAnimationFrame(r));
      await new Promise((r) => setTimeout(r, 100));
      // Work per frame, even under 50 ms: from the first animation-frame callback (where the
      // app applies its queued batches) to the next task, so it includes Svelte's update
      // (microtasks) and style/layout/paint.
      const frameWork = [];
      const origRaf = window.requestAnimationFrame.bind(window);
      let frameStart = null;
      const mc = new MessageChannel();
      mc.port1.onmessage = () => {
        if (frameStart !== null) frameWork.push(performance.now() - frameStart);
        frameStart = null;
      };
      window.requestAnimationFrame = (cb) => origRaf((ts) => {
        if (frameStart === null) {
          frameStart = performance.now();
          mc.port2.postMessage(0);
        }
        cb(ts);
      });
      const longTasks = [];
      const loafs = [];
      const obs = [];
      for (const [type, sink] of [['longtask', longTasks], ['long-animation-frame', loafs]]) {
        try {
          const o = new PerformanceObserver((l) => { for (const e of l.getEntries()) sink.push(e.duration); });
          o.observe({ type, buffered: false });
          obs.push(o);
        } catch { /* type not supported by this browser */ }
      }
      const counter = document.querySelector('[data-testid=inspector-count]');
      const list = document.querySelector('[role=list][aria-label=Frames]');
      let renders = 0;
      let rafs = 0;
      let maxGap = 0;
      let last = counter?.textContent;
      let lastTop = list?.scrollTop;
      let prevTs = 0;
      let running = true;
      const loop = (ts) => {
        if (!running) return;
        rafs += 1;
        if (prevTs) maxGap = Math.max(maxGap, ts - prevTs);
        prevTs = ts;
        const now = counter?.textContent;
        const top = list?.scrollTop;
        if (now !== last || top !== lastTop) renders += 1;
        last = now;
        lastTop = top;
        requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      const t0 = performance.now();
      let sent = 0;
      await new Promise((done) => {
        const timer = setInterval(() => {
          // Catch up if the timer fell behind, as a real channel would deliver a backlog.
          const due = Math.min(nBatches, Math.floor(((performance.now() - t0) / 1000) * bps) + 1);
          while (sent < due) window.__gw.push(JSON.parse(payloads[sent++]));
          if (sent >= nBatches) {
            clearInterval(timer);
            done();
          }
        }, 1000 / bps);
      });
      // Let the last batch render.
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      const elapsed = (performance.now() - t0) / 1000;
      running = false;
      window.requestAnimationFrame = origRaf;
      frameWork.sort((a, b) => a - b);
      const pct = (q) => frameWork[Math.min(frameWork.length - 1, Math.floor(q * frameWork.length))] ?? 0;
      for (const o of obs) o.disconnect();
      return {
        elapsed_s: elapsed,
        frames_sent: sent * perBatch,
        frames_per_s: (sent * perBatch) / elapsed,
        batches: sent,
        rendered_updates_per_s: renders / elapsed,
        animation_frames_per_s: rafs / elapsed,
        max_frame_gap_ms: maxGap,
        frame_work_p50_ms: pct(0.5),
        frame_work_p95_ms: pct(0.95),
        frame_work_max_ms: frameWork.length ? frameWork[frameWork.length - 1] : 0,
        long_tasks: longTasks.length,
        longest_task_ms: longTasks.length ? Math.max(...longTasks) : 0,
        long_animation_frames: loafs.length,
        longest_animation_frame_ms: loafs.length ? Math.max(...loafs) : 0,
        dom_rows: document.querySelectorAll('[data-testid=frame-row]').length,
        counter: counter?.textContent?.replace(/\s+/g, ' ').trim(),
      };
    },
    { seconds: SECONDS, rate: RATE, bps: BATCHES_PER_SEC },
  );
  if (cdp) {
    const { profile } = await cdp.send('Profiler.stop');
    const self = new Map();
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const dt = profile.timeDeltas;
    profile.samples.forEach((id, i) => {
      const n = byId.get(id);
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    console.log([...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v.toFixed(0).padStart(6)} ms  ${k}`).join('\n'));
  }
  await context.close();
  return { name, ...result, page_errors: errors.length };
}

ensureBuilt();
const bundle = await mockBundle();
const server = await startServer();
const browser = await launch();
try {
  console.log(`machine: ${cpus().length} cores, load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows = [];
  rows.push(await scenario(browser, server, bundle, { name: 'follow, no filter' }));
  rows.push(await scenario(browser, server, bundle, { name: 'follow, text filter "BTCUSD"', filterText: 'BTCUSD' }));
  const r2 = (n) => (typeof n === 'number' ? Math.round(n * 10) / 10 : n);
  for (const r of rows) {
    console.log(`\n== ${r.name} ==`);
    for (const [k, v] of Object.entries(r)) if (k !== 'name') console.log(`${k.padEnd(28)} ${r2(v)}`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const worst = Math.max(...rows.map((r) => Math.max(r.longest_task_ms, r.longest_animation_frame_ms)));
  console.log(`\nlongest main-thread task or animation frame: ${r2(worst)} ms (target: none over 50 ms)`);
} finally {
  await browser.close();
  await server.close();
}
