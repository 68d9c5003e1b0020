// Reference Socket.IO v4 server (the npm `socket.io` package, not our code) playing the
// Dimes partner + customer namespaces and Fusion's default namespace, for the connector
// tests in crates/gatewatch-net/tests/socketio_ref.rs.
//
// stdout, one JSON object per line: first {"port":N}, then a record of everything a client
// did ({"kind":"connect"|"rejected"|"event"|"disconnect", …}) so tests assert on the server side.
//
// Credentials that pass: GOOD_KEY / GOOD_JWT below (env overrides). Dimes partner follows its
// document (bad key: `error` event then disconnect); the customer namespace rejects in a
// middleware (a Socket.IO connect_error, packet `44`). `?drop_once=1` on a Fusion connection
// makes the server drop the first socket right after its first `subscribe:all`.
import http from "node:http";
import { Server } from "socket.io";

const GOOD_KEY = process.env.GOOD_KEY ?? "dm_sbx_skey_good";
const GOOD_JWT = process.env.GOOD_JWT ?? "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjdXN0In0.sig";
const PARTNER = "/v1/ws/prediction-markets/positions";
const CUSTOMER = "/v1/ws/prediction-markets/customer-positions";

const rec = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const headerCred = (h, scheme) => {
  if (typeof h !== "string") return undefined;
  const [s, ...rest] = h.split(" ");
  return s.toLowerCase() === scheme.toLowerCase() ? rest.join(" ") : undefined;
};
const handshake = (socket) => ({
  sid: socket.id,
  auth: socket.handshake.auth,
  authorization: socket.handshake.headers.authorization ?? null,
  query: socket.handshake.query,
});
const position = (type, status, n) => ({
  id: `evt_${type}_${n}`,
  type,
  created_at: new Date(Date.UTC(2025, 5, 1, 10, 0, n)).toISOString(),
  data: { id: "dm_pos_ref1", status, entry: { size: "10" } },
});
const recordAll = (nsp, socket) => {
  socket.onAny((event, ...args) => rec({ kind: "event", nsp, sid: socket.id, event, args }));
  socket.on("disconnect", (reason) => rec({ kind: "disconnect", nsp, sid: socket.id, reason }));
};

const httpServer = http.createServer();
const io = new Server(httpServer, {
  transports: ["websocket"],
  pingInterval: Number(process.env.PING_INTERVAL ?? 25000),
  pingTimeout: Number(process.env.PING_TIMEOUT ?? 20000),
});

// Dimes partner: auth checked after connect, as the document describes.
io.of(PARTNER).on("connection", (socket) => {
  const key = socket.handshake.auth?.apiKey ?? headerCred(socket.handshake.headers.authorization, "Api-Key");
  rec({ kind: "connect", nsp: PARTNER, ...handshake(socket) });
  if (key !== GOOD_KEY) {
    socket.emit("error", { error: { type: "AUTHENTICATION_ERROR", code: "unauthorized", message: "Unauthorized" } });
    socket.disconnect(true);
    return;
  }
  recordAll(PARTNER, socket);
  socket.emit("position.opened", position("position.opened", "open", 1));
  socket.emit("position.close_requested", position("position.close_requested", "closing", 2));
  // A name with dots and colons, several arguments of several types.
  socket.emit("custom:thing.happened/v2", { a: 1 }, 2, "three", [4]);
  socket.emit("position.closed", position("position.closed", "closed", 3));
});

// Dimes customer: rejection in a middleware → connect_error (`44`).
io.of(CUSTOMER).use((socket, next) => {
  const token = socket.handshake.auth?.token ?? headerCred(socket.handshake.headers.authorization, "Bearer");
  if (token !== GOOD_JWT) {
    rec({ kind: "rejected", nsp: CUSTOMER, ...handshake(socket) });
    const err = new Error("Unauthorized");
    err.data = { code: "unauthorized" };
    next(err);
    return;
  }
  next();
});
io.of(CUSTOMER).on("connection", (socket) => {
  rec({ kind: "connect", nsp: CUSTOMER, ...handshake(socket) });
  recordAll(CUSTOMER, socket);
  socket.emit("notification", {
    id: "evt_n1", type: "notification", created_at: "2025-06-01T10:00:05.000Z",
    data: { code: "ORDER_FULFILLMENT_RETRYING", message: "Retrying.", params: { position_id: "dm_pos_ref1", slippage_bps: 150 } },
  });
  socket.emit("position.opening", position("position.opening", "pending", 4));
});

// Fusion: default namespace, no auth.
const dropped = new Set();
io.on("connection", (socket) => {
  rec({ kind: "connect", nsp: "/", ...handshake(socket) });
  recordAll("/", socket);
  socket.on("subscribe:intent", (intentId) => {
    if (typeof intentId !== "string") {
      socket.emit("error", { message: "bad intentId" });
      return;
    }
    socket.join(`intent:${intentId}`);
    socket.emit("intent:status", {
      intentId, status: "matched", proofStatus: "verified", fromChain: "ethereum", toChain: "starknet",
      amount: "1", createdAt: "2025-01-01T00:00:00.000Z", updatedAt: "2025-01-01T00:00:01.000Z",
      timestamp: "2025-01-01T00:00:01.000Z",
    });
  });
  socket.on("subscribe:all", () => {
    socket.emit("mempool:stats", { total: 3, submitted: 1, matched: 1, executing: 1, completed: 0, failed: 0, cancelled: 0 });
    const tag = socket.handshake.query.drop_once;
    if (tag && !dropped.has(tag)) {
      dropped.add(tag);
      setImmediate(() => socket.disconnect(true));
    }
  });
  socket.on("ping", () => socket.emit("pong", { timestamp: new Date().toISOString() }));
});

httpServer.listen(0, "127.0.0.1", () => rec({ port: httpServer.address().port }));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
