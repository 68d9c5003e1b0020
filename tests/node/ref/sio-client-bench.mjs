// Benchmark peer: Node's socket.io-client (what users of these gateways run today) receiving
// a Socket.IO stream and counting events (socket.io-client JSON.parses every packet).
// Usage: node ref/sio-client-bench.mjs <base-url> <namespace> <events> [apiKey]
// Prints one JSON line: {"events":N,"secs":S,"cpu_ms":C} (first event to last; CPU of this
// process over the same span).
import { io } from "socket.io-client";

const [base, ns, countArg, apiKey] = process.argv.slice(2);
const want = Number(countArg);
let n = 0;
let t0 = 0;
let cpu0 = null;
const socket = io(base + ns, {
  transports: ["websocket"],
  reconnection: false,
  auth: apiKey ? { apiKey } : undefined,
});
socket.onAny(() => {
  if (n === 0) {
    t0 = performance.now();
    cpu0 = process.cpuUsage();
  }
  n += 1;
  if (n === want) {
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(JSON.stringify({ events: n, secs, cpu_ms: (cpu.user + cpu.system) / 1000 }) + "\n");
    socket.close();
    process.exit(0);
  }
});
socket.on("connect_error", (e) => {
  process.stderr.write(`connect_error: ${e.message}\n`);
  process.exit(2);
});
