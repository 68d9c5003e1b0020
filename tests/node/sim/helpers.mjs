// Shared helpers for the reference-client tests: start `gatewatch sim --json`, read its
// one JSON line, and wait for messages with a deadline (a failure bound, not a sleep).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const target = process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache/gatewatch/target');
export const BIN = process.env.GATEWATCH_BIN ?? path.join(target, 'debug/gatewatch');
export const WAIT_MS = 10_000;

/** Starts the simulator; resolves once it printed its JSON line (every gateway listening). */
export async function startSim(args = []) {
  const child = spawn(BIN, ['sim', '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const line = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`gatewatch sim exited with ${code} before printing`)));
  });
  const info = JSON.parse(line);
  return {
    info,
    gw: (kind) => info.gateways[kind],
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await once(child, 'exit');
      }
    },
  };
}

/** Rejects after `ms` with a message saying what was awaited. */
export function deadline(what, ms = WAIT_MS) {
  let timer;
  const p = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return { p, clear: () => clearTimeout(timer) };
}

/** Collects a raw WebSocket's JSON messages; `next(pred)` waits for the first match. */
export function inbox(ws) {
  const queue = [];
  const waiters = [];
  let closed = null;
  const settle = () => {
    for (let i = 0; i < waiters.length; ) {
      const w = waiters[i];
      const idx = queue.findIndex(w.pred);
      if (idx >= 0) {
        const [m] = queue.splice(idx, 1);
        waiters.splice(i, 1);
        w.resolve(m);
      } else if (closed) {
        waiters.splice(i, 1);
        w.reject(new Error(`closed (${closed.code}) while waiting for ${w.what}`));
      } else {
        i += 1;
      }
    }
  };
  ws.on('message', (data) => {
    let m;
    try {
      m = JSON.parse(data.toString());
    } catch {
      m = { type: '<not json>', raw: data.toString() };
    }
    queue.push(m);
    settle();
  });
  const closedP = new Promise((resolve) => {
    ws.on('close', (code, reason) => {
      closed = { code, reason: reason.toString() };
      resolve(closed);
      settle();
    });
  });
  return {
    all: queue,
    closed: closedP,
    next(pred = () => true, what = 'a message', ms = WAIT_MS) {
      const d = deadline(what, ms);
      const p = new Promise((resolve, reject) => {
        waiters.push({ pred, resolve, reject, what });
        settle();
      });
      return Promise.race([p, d.p]).finally(d.clear);
    },
    type(t, ms) {
      return this.next((m) => m.type === t, `a "${t}" message`, ms);
    },
  };
}

/** Resolves when the WebSocket is open. */
export async function opened(ws) {
  const d = deadline('the WebSocket to open');
  await Promise.race([once(ws, 'open'), d.p]).finally(d.clear);
}

/** The first Socket.IO event `name` (optionally matching `pred`); its first argument. */
export function sioEvent(socket, name, pred = () => true, ms = WAIT_MS) {
  const d = deadline(`Socket.IO event "${name}"`, ms);
  const p = new Promise((resolve) => {
    const h = (arg) => {
      if (pred(arg)) {
        socket.off(name, h);
        resolve(arg);
      }
    };
    socket.on(name, h);
  });
  return Promise.race([p, d.p]).finally(d.clear);
}
