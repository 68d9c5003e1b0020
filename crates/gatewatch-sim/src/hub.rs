//! Runtime state shared by the servers, the scenario runner and [`crate::SimControl`]:
//! who is connected to what, per-gateway switches, counters, and delivery with
//! back-pressure.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use gatewatch_core::event::GatewayKind;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use socketioxide::extract::SocketRef;
use socketioxide::socket::Sid;
use socketioxide::{SendError, SocketError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::gate::Gate;
use crate::options::{Rate, SimOptions};
use crate::script::{Script, Server};

/// Locks a mutex, recovering from poisoning (a panicked holder must not take the
/// simulator down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Index of a kind in [`GatewayKind::ALL`].
pub(crate) fn kind_index(kind: GatewayKind) -> usize {
    GatewayKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0)
}

/// The server a kind runs on.
pub(crate) fn server_of(kind: GatewayKind) -> Server {
    match kind {
        GatewayKind::DimesPartner | GatewayKind::DimesCustomer => Server::Dimes,
        GatewayKind::Axisor => Server::Axisor,
        GatewayKind::Zkde => Server::Zkde,
        GatewayKind::Hashi => Server::Hashi,
        GatewayKind::Fusion => Server::Fusion,
    }
}

/// What a raw-WebSocket connection task is asked to send.
#[derive(Debug, Clone)]
pub(crate) enum Out {
    /// A text frame (shared bytes: one serialization for every client).
    Text(Utf8Bytes),
}

/// One raw-WebSocket client.
pub(crate) struct WsClient<M> {
    pub(crate) tx: mpsc::Sender<Out>,
    pub(crate) meta: M,
}

/// The clients of one raw-WebSocket server.
pub(crate) struct WsHub<M> {
    clients: Mutex<HashMap<u64, WsClient<M>>>,
    next: AtomicU64,
}

impl<M> Default for WsHub<M> {
    fn default() -> Self {
        WsHub {
            clients: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
        }
    }
}

impl<M> WsHub<M> {
    pub(crate) fn add(&self, tx: mpsc::Sender<Out>, meta: M) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.clients).insert(id, WsClient { tx, meta });
        id
    }

    pub(crate) fn remove(&self, id: u64) {
        lock(&self.clients).remove(&id);
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.clients).len()
    }

    /// Runs `f` on one client's metadata.
    pub(crate) fn with<R>(&self, id: u64, f: impl FnOnce(&mut M) -> R) -> Option<R> {
        lock(&self.clients).get_mut(&id).map(|c| f(&mut c.meta))
    }

    /// Senders of the clients `pred` selects.
    pub(crate) fn select(&self, pred: impl Fn(&M) -> bool) -> Vec<mpsc::Sender<Out>> {
        lock(&self.clients)
            .values()
            .filter(|c| pred(&c.meta))
            .map(|c| c.tx.clone())
            .collect()
    }

    /// `f` over every client, sorted by connection order.
    pub(crate) fn map<R>(&self, f: impl Fn(u64, &M) -> R) -> Vec<R> {
        let clients = lock(&self.clients);
        let mut ids: Vec<&u64> = clients.keys().collect();
        ids.sort();
        ids.into_iter()
            .filter_map(|id| clients.get(id).map(|c| f(*id, &c.meta)))
            .collect()
    }
}

/// An authenticated Axisor client.
#[derive(Debug, Clone)]
pub(crate) struct AxisorMeta {
    pub(crate) user: String,
    /// Rooms and channels, including the auto-joined `user:{id}`.
    pub(crate) rooms: BTreeSet<String>,
}

/// A zkde client.
#[derive(Debug, Clone)]
pub(crate) struct ZkdeMeta {
    /// Address as given in the path.
    pub(crate) address: String,
}

/// An authenticated Hashi client.
#[derive(Debug, Clone)]
pub(crate) struct HashiMeta {
    pub(crate) player: String,
    /// Lobbies subscribed explicitly (id or code, as sent).
    pub(crate) lobbies: BTreeSet<String>,
}

/// A Socket.IO client (Dimes or Fusion).
pub(crate) struct SioClient {
    pub(crate) socket: SocketRef,
    pub(crate) kind: GatewayKind,
    /// Customer wallet (Dimes customer namespace).
    pub(crate) identity: Option<String>,
    /// Fusion intent rooms.
    pub(crate) intents: BTreeSet<String>,
    /// Fusion `subscribe:all`.
    pub(crate) all: bool,
}

/// The clients of one Socket.IO server.
#[derive(Default)]
pub(crate) struct SioHub {
    clients: Mutex<HashMap<Sid, SioClient>>,
}

impl SioHub {
    pub(crate) fn add(&self, client: SioClient) {
        lock(&self.clients).insert(client.socket.id, client);
    }

    pub(crate) fn remove(&self, sid: Sid) {
        lock(&self.clients).remove(&sid);
    }

    pub(crate) fn with<R>(&self, sid: Sid, f: impl FnOnce(&mut SioClient) -> R) -> Option<R> {
        lock(&self.clients).get_mut(&sid).map(f)
    }

    pub(crate) fn count(&self, kind: GatewayKind) -> usize {
        lock(&self.clients)
            .values()
            .filter(|c| c.kind == kind)
            .count()
    }

    pub(crate) fn select(
        &self,
        pred: impl Fn(&SioClient) -> bool,
    ) -> Vec<(GatewayKind, SocketRef)> {
        lock(&self.clients)
            .values()
            .filter(|c| pred(c))
            .map(|c| (c.kind, c.socket.clone()))
            .collect()
    }

    pub(crate) fn map<R>(&self, f: impl Fn(&SioClient) -> R) -> Vec<R> {
        let clients = lock(&self.clients);
        let mut all: Vec<&SioClient> = clients.values().collect();
        all.sort_by_key(|c| c.socket.id.to_string());
        all.into_iter().map(f).collect()
    }
}

/// Per-kind switches.
#[derive(Default)]
pub(crate) struct KindFlags {
    pub(crate) silent: AtomicBool,
    pub(crate) reject_auth: AtomicBool,
}

/// Counters, per kind where it matters.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) emitted: [AtomicU64; 6],
    pub(crate) duplicated: [AtomicU64; 6],
    pub(crate) reordered: [AtomicU64; 6],
    pub(crate) malformed: [AtomicU64; 6],
    pub(crate) oversized: [AtomicU64; 6],
    pub(crate) drops: [AtomicU64; 6],
    pub(crate) channel_full: [AtomicU64; 6],
    pub(crate) dropped_full: [AtomicU64; 6],
    pub(crate) steps: AtomicU64,
}

/// One gateway's counters (see [`SimStats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindStats {
    /// Frames of scenario events and injections delivered to clients.
    pub emitted: u64,
    /// Extra copies sent by the `dup` fault.
    pub duplicated: u64,
    /// Events held back by the `reorder` fault.
    pub reordered: u64,
    /// Malformed frames sent.
    pub malformed: u64,
    /// Oversized frames sent.
    pub oversized: u64,
    /// Times every connection was dropped (fault or on demand).
    pub drops: u64,
    /// Times a client's buffer was full and the sender had to back off.
    pub channel_full: u64,
    /// Frames given up on after backing off (demo and fixed rates only: a client that
    /// has not read for 250 ms loses the frame; `--rate max` waits instead).
    pub dropped_full: u64,
}

/// Counters of a run, for tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    /// Scenario steps generated.
    pub steps: u64,
    /// Per gateway kind.
    pub gateways: std::collections::BTreeMap<GatewayKind, KindStats>,
}

impl Counters {
    pub(crate) fn add(field: &[AtomicU64; 6], kind: GatewayKind, n: u64) {
        if let Some(c) = field.get(kind_index(kind)) {
            c.fetch_add(n, Ordering::Relaxed);
        }
    }

    pub(crate) fn snapshot(&self) -> SimStats {
        let get = |f: &[AtomicU64; 6], i: usize| f.get(i).map_or(0, |c| c.load(Ordering::Relaxed));
        SimStats {
            steps: self.steps.load(Ordering::Relaxed),
            gateways: GatewayKind::ALL
                .iter()
                .enumerate()
                .map(|(i, k)| {
                    (
                        *k,
                        KindStats {
                            emitted: get(&self.emitted, i),
                            duplicated: get(&self.duplicated, i),
                            reordered: get(&self.reordered, i),
                            malformed: get(&self.malformed, i),
                            oversized: get(&self.oversized, i),
                            drops: get(&self.drops, i),
                            channel_full: get(&self.channel_full, i),
                            dropped_full: get(&self.dropped_full, i),
                        },
                    )
                })
                .collect(),
        }
    }

    pub(crate) fn total_emitted(&self) -> u64 {
        self.emitted.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

/// Where a frame goes.
#[derive(Clone)]
pub(crate) enum Sink {
    Ws(mpsc::Sender<Out>),
    Sio(SocketRef),
}

/// A frame ready to send.
pub(crate) enum Wire {
    /// Raw WebSocket text.
    Text(Utf8Bytes),
    /// A Socket.IO event with one argument.
    Sio { event: String, payload: Value },
    /// A Socket.IO event with several arguments (injection).
    SioArgs { event: String, args: Vec<Value> },
}

/// Serializes a `Vec` as a tuple so socketioxide sends it as several arguments.
struct Args<'a>(&'a [Value]);

impl Serialize for Args<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(self.0.len())?;
        for v in self.0 {
            t.serialize_element(v)?;
        }
        t.end()
    }
}

enum Attempt {
    Sent,
    Full,
    Gone,
}

fn try_send(sink: &Sink, wire: &Wire) -> Attempt {
    match (sink, wire) {
        (Sink::Ws(tx), Wire::Text(t)) => match tx.try_send(Out::Text(t.clone())) {
            Ok(()) => Attempt::Sent,
            Err(mpsc::error::TrySendError::Full(_)) => Attempt::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Attempt::Gone,
        },
        (Sink::Sio(s), Wire::Sio { event, payload }) => sio_result(s.emit(event, payload)),
        (Sink::Sio(s), Wire::SioArgs { event, args }) => sio_result(s.emit(event, &Args(args))),
        // A frame of the wrong transport: nothing sensible to send.
        _ => Attempt::Gone,
    }
}

fn sio_result(r: Result<(), SendError>) -> Attempt {
    match r {
        Ok(()) => Attempt::Sent,
        Err(SendError::Socket(SocketError::InternalChannelFull)) => Attempt::Full,
        Err(_) => Attempt::Gone,
    }
}

/// Everything shared at run time.
pub(crate) struct Shared {
    pub(crate) opts: SimOptions,
    pub(crate) script: Mutex<Script>,
    pub(crate) flags: [KindFlags; 6],
    pub(crate) counters: Counters,
    pub(crate) gates: [Arc<Gate>; 5],
    pub(crate) shutdown: CancellationToken,
    pub(crate) dimes: SioHub,
    pub(crate) fusion: SioHub,
    pub(crate) axisor: WsHub<AxisorMeta>,
    pub(crate) zkde: WsHub<ZkdeMeta>,
    pub(crate) hashi: WsHub<HashiMeta>,
}

impl Shared {
    pub(crate) fn new(opts: SimOptions, script: Script, shutdown: CancellationToken) -> Self {
        let shared = Shared {
            opts,
            script: Mutex::new(script),
            flags: Default::default(),
            counters: Counters::default(),
            gates: Default::default(),
            shutdown,
            dimes: SioHub::default(),
            fusion: SioHub::default(),
            axisor: WsHub::default(),
            zkde: WsHub::default(),
            hashi: WsHub::default(),
        };
        for kind in GatewayKind::ALL {
            if shared.opts.faults.get(kind).reject_auth {
                shared.set_reject_auth(kind, true);
            }
        }
        shared
    }

    pub(crate) fn flags(&self, kind: GatewayKind) -> &KindFlags {
        // `kind_index` is always < 6.
        &self.flags[kind_index(kind) % 6]
    }

    pub(crate) fn gate(&self, server: Server) -> &Arc<Gate> {
        &self.gates[server.index() % 5]
    }

    pub(crate) fn is_silent(&self, kind: GatewayKind) -> bool {
        self.flags(kind).silent.load(Ordering::SeqCst)
    }

    pub(crate) fn rejects_auth(&self, kind: GatewayKind) -> bool {
        self.flags(kind).reject_auth.load(Ordering::SeqCst)
    }

    pub(crate) fn set_reject_auth(&self, kind: GatewayKind, reject: bool) {
        self.flags(kind).reject_auth.store(reject, Ordering::SeqCst);
    }

    /// Silences one kind. The byte-level freeze covers its whole server, so the Dimes
    /// server thaws only when neither Dimes kind is silent.
    pub(crate) fn set_silent(&self, kind: GatewayKind, silent: bool) {
        self.flags(kind).silent.store(silent, Ordering::SeqCst);
        let server = server_of(kind);
        let any_silent = GatewayKind::ALL
            .iter()
            .filter(|k| server_of(**k) == server)
            .any(|k| self.is_silent(*k));
        self.gate(server).set_frozen(any_silent);
    }

    /// Drops every connection of the kind's server.
    pub(crate) fn drop_connections(&self, kind: GatewayKind) -> usize {
        Counters::add(&self.counters.drops, kind, 1);
        self.gate(server_of(kind)).cut_all()
    }

    /// Sends `wire` to each sink, backing off while a client's buffer is full. Returns
    /// how many clients got it.
    pub(crate) async fn deliver(&self, sinks: Vec<(GatewayKind, Sink)>, wire: &Wire) -> u64 {
        let patient = matches!(self.opts.rate, Rate::Max);
        let mut delivered = 0;
        for (kind, sink) in sinks {
            let mut wait = Duration::from_millis(1);
            let mut waited = Duration::ZERO;
            loop {
                match try_send(&sink, wire) {
                    Attempt::Sent => {
                        Counters::add(&self.counters.emitted, kind, 1);
                        delivered += 1;
                        break;
                    }
                    Attempt::Gone => break,
                    Attempt::Full => {
                        Counters::add(&self.counters.channel_full, kind, 1);
                        if !patient && waited >= Duration::from_millis(250) {
                            Counters::add(&self.counters.dropped_full, kind, 1);
                            break;
                        }
                        tokio::select! {
                            _ = self.shutdown.cancelled() => return delivered,
                            _ = tokio::time::sleep(wait) => {}
                        }
                        waited += wait;
                        wait = (wait * 2).min(Duration::from_millis(20));
                    }
                }
            }
        }
        delivered
    }

    /// Sends without waiting (for `inject`): a full buffer loses the frame, counted.
    pub(crate) fn deliver_now(&self, sinks: Vec<(GatewayKind, Sink)>, wire: &Wire) -> u64 {
        let mut delivered = 0;
        for (kind, sink) in sinks {
            match try_send(&sink, wire) {
                Attempt::Sent => {
                    Counters::add(&self.counters.emitted, kind, 1);
                    delivered += 1;
                }
                Attempt::Full => {
                    Counters::add(&self.counters.channel_full, kind, 1);
                    Counters::add(&self.counters.dropped_full, kind, 1);
                }
                Attempt::Gone => {}
            }
        }
        delivered
    }

    /// Every client of one kind.
    pub(crate) fn all_sinks(&self, kind: GatewayKind) -> Vec<(GatewayKind, Sink)> {
        match kind {
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer => self
                .dimes
                .select(|c| c.kind == kind)
                .into_iter()
                .map(|(k, s)| (k, Sink::Sio(s)))
                .collect(),
            GatewayKind::Fusion => self
                .fusion
                .select(|_| true)
                .into_iter()
                .map(|(k, s)| (k, Sink::Sio(s)))
                .collect(),
            GatewayKind::Axisor => ws_sinks(kind, self.axisor.select(|_| true)),
            GatewayKind::Zkde => ws_sinks(kind, self.zkde.select(|_| true)),
            GatewayKind::Hashi => ws_sinks(kind, self.hashi.select(|_| true)),
        }
    }

    pub(crate) fn connection_count(&self, kind: GatewayKind) -> usize {
        match kind {
            GatewayKind::DimesPartner | GatewayKind::DimesCustomer => self.dimes.count(kind),
            GatewayKind::Fusion => self.fusion.count(kind),
            GatewayKind::Axisor => self.axisor.len(),
            GatewayKind::Zkde => self.zkde.len(),
            GatewayKind::Hashi => self.hashi.len(),
        }
    }
}

pub(crate) fn ws_sinks(kind: GatewayKind, txs: Vec<mpsc::Sender<Out>>) -> Vec<(GatewayKind, Sink)> {
    txs.into_iter().map(|tx| (kind, Sink::Ws(tx))).collect()
}
