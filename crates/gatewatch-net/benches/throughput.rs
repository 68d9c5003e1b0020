//! Throughput benchmark (issue 4 item 6): events/s and client CPU per event, through decode
//! and reduce, for a Dimes Socket.IO stream and an Axisor raw-WebSocket stream, beside
//! (a) a bare tokio-tungstenite reader parsing the same frames into `serde_json::Value` (the
//! ceiling), (b) Node's `socket.io-client` and (c) `rust_socketio` (async) on the same
//! Socket.IO stream.
//!
//! `cargo bench -p gatewatch-net --bench throughput` (env: `GATEWATCH_BENCH_EVENTS`, default
//! 1000000 — five times the reducer's dedupe window, so most of a run is the steady state of
//! a sustained flood, window full; it was 200000, which never filled it;
//! `GATEWATCH_BENCH_ROUNDS`, default 3; `GATEWATCH_BENCH_ONLY=gatewatch` runs only
//! the gatewatch-net clients, for profiling them with `perf record`; `=sio`, `=raw`,
//! `=sio-mt`, `=raw-mt`, `=sio-bare` or `=raw-bare` runs that one client alone, for
//! `valgrind --tool=callgrind`). The emitter runs in a child process (this
//! binary re-executed) that replays pre-encoded frames as fast as the client reads, so the
//! numbers measure the clients, not a server sharing their cores.

use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{FutureExt, SinkExt, StreamExt};
use gatewatch_core::models::dimes::PositionEvent;
use gatewatch_core::reduce::{Applied, Reducer};
use gatewatch_core::{Event, GatewayKind};
use gatewatch_net::{ConnectorSpec, FrameTap, NetEvent, NetRuntime, Secret};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// The allocator the `gatewatch` binary and the desktop app ship with, so every Rust row
/// (the bare readers included) runs on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVE_ENV: &str = "GATEWATCH_BENCH_SERVE";
const NS: &str = "/v1/ws/prediction-markets/positions";
const KEY: &str = "dm_sbx_skey_bench";

/// The connector → consumer channel's capacity: the engine's (`EVENT_CHANNEL`) unless
/// `GATEWATCH_BENCH_CHANNEL` says otherwise (1024 was the bench's before 2026-12-02, 8192
/// the engine's).
fn channel_capacity() -> usize {
    std::env::var("GATEWATCH_BENCH_CHANNEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(gatewatch_net::EVENT_CHANNEL)
}

/// The event time of frame `i`, as the document writes it: 10 ms after frame `i - 1`, as a
/// live stream's times increase. `GATEWATCH_BENCH_TIMES=wrapped` gives the bench's times
/// before 2026-12-02 (`10:mm:ss` from `i`, wrapping every 3,600 frames), under which about
/// half of the updates to an entity look older than the one before and take the
/// reducer's out-of-order path.
fn event_time(i: usize, millis: bool) -> String {
    if std::env::var("GATEWATCH_BENCH_TIMES").is_ok_and(|v| v == "wrapped") {
        let frac = if millis { ".000" } else { "" };
        return format!("2025-01-06T10:{:02}:{:02}{frac}Z", (i / 60) % 60, i % 60);
    }
    let t =
        chrono::DateTime::<chrono::Utc>::from_timestamp_millis(1_736_157_600_000 + 10 * i as i64)
            .unwrap_or_default();
    let format = if millis {
        chrono::SecondsFormat::Millis
    } else {
        chrono::SecondsFormat::Secs
    };
    t.to_rfc3339_opts(format, true)
}

fn events_wanted() -> usize {
    std::env::var("GATEWATCH_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

// ---------------------------------------------------------------------------------------
// The emitter (child process).

const DIMES_TYPES: [(&str, &str); 10] = [
    ("position.created", "pending"),
    ("position.opening", "pending"),
    ("position.opened", "open"),
    ("position.force_unwound", "open"),
    ("position.close_requested", "closing"),
    ("position.closed", "closed"),
    ("position.settled", "settled"),
    ("position.liquidated", "liquidated"),
    ("position.reverted", "cancelled"),
    ("position.cancelled", "cancelled"),
];

fn dimes_frames(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let (ty, status) = DIMES_TYPES[i % DIMES_TYPES.len()];
            let env = json!({
                "id": format!("evt_{i:08}"),
                "type": ty,
                "created_at": event_time(i, true),
                "data": {
                    "id": format!("dm_pos_{:05}", (i / 10) % 5000),
                    "status": status,
                    "market_id": "mkt_btc_100k_2025",
                    "side": if i % 2 == 0 { "yes" } else { "no" },
                    "entry": {"price": "0.4210", "size": "125.00", "collateral": "50.00"},
                    "current": {"price": "0.4475", "value": "55.94"},
                    "risk": {"leverage": "2.5", "liquidation_price": "0.1804"},
                    "fees": {"open": "0.25"}
                }
            });
            format!(r#"42{NS},["{ty}",{env}]"#)
        })
        .collect()
}

/// Axisor frames carry no event id, so the reducer dedupes them by a hash of their content:
/// every frame differs (the price moves by a hundredth, the position's PnL by one), as
/// consecutive updates from a gateway do, so none is dropped as a duplicate. (Before
/// 2026-12-01 the frames repeated every 18 000 / 36 000 events, so five in six events of a
/// 200 000-event run stopped at the dedupe window and skipped the fold.)
fn axisor_frames(n: usize) -> Vec<String> {
    const SYMBOLS: [&str; 4] = ["BTC_USD", "ETH_USD", "SOL_USD", "XRP_USD"];
    (0..n)
        .map(|i| {
            let sym = SYMBOLS[i % SYMBOLS.len()];
            let v = if i % 2 == 0 {
                json!({"type":"market_data_update","channel":"market_data","data":{
                    "symbol": sym, "price": 43250.5 + i as f64 / 100.0, "change": -1249.5,
                    "changePercent": -2.81, "volume": 1250000.0, "high24h": 44500.0,
                    "low24h": 42800.0, "timestamp": event_time(i, false)}})
            } else {
                json!({"type":"position_status_update","channel":"positions","data":{
                    "userId":"user_123","position":{"id": format!("pos_{}", (i / 2) % 2000),
                    "symbol": sym, "side":"long","size":1000,"entryPrice":43000,"currentPrice":43500,
                    "margin":100,"leverage":10,"pnl":500 + i,"distanceToLiquidation":0.92,"isAtRisk":false,
                    "updatedAt": event_time(i, false)}}})
            };
            v.to_string()
        })
        .collect()
}

async fn serve() -> Result<()> {
    let n = events_wanted();
    let dimes = Arc::new(dimes_frames(n));
    let axisor = Arc::new(axisor_frames(n));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    println!("{}", json!({"port": listener.local_addr()?.port()}));
    tokio::spawn(async {
        // Exit with the parent (stdin closes).
        let mut sink = Vec::new();
        let _ = tokio::io::stdin().read_to_end(&mut sink).await;
        std::process::exit(0);
    });
    loop {
        let (tcp, _) = listener.accept().await?;
        let (dimes, axisor) = (dimes.clone(), axisor.clone());
        tokio::spawn(async move {
            let mut path = String::new();
            // The callback's signature is tungstenite's.
            #[allow(clippy::result_large_err)]
            let cb = |req: &tokio_tungstenite::tungstenite::handshake::server::Request, resp| {
                path = req.uri().path().to_owned();
                Ok(resp)
            };
            let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await else {
                return;
            };
            let frames = if path.starts_with("/socket.io") {
                let open = r#"0{"sid":"bench","upgrades":[],"pingInterval":25000,"pingTimeout":60000,"maxPayload":1000000}"#;
                if ws.send(Message::text(open)).await.is_err() {
                    return;
                }
                // Wait for the namespace connect, then accept it.
                let ns = loop {
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) if t.starts_with("40") => {
                            let rest = &t[2..];
                            break if rest.starts_with('/') {
                                rest.split(',').next().unwrap_or("/").to_owned()
                            } else {
                                "/".to_owned()
                            };
                        }
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                };
                let ack = if ns == "/" {
                    r#"40{"sid":"n"}"#.to_owned()
                } else {
                    format!(r#"40{ns},{{"sid":"n"}}"#)
                };
                if ws.send(Message::text(ack)).await.is_err() {
                    return;
                }
                dimes
            } else {
                let hello = r#"{"type":"connection","status":"connected","userId":"user_123"}"#;
                if ws.send(Message::text(hello)).await.is_err() {
                    return;
                }
                axisor
            };
            for (i, f) in frames.iter().enumerate() {
                if ws.feed(Message::text(f.as_str())).await.is_err() {
                    return;
                }
                if i % 256 == 255 && ws.flush().await.is_err() {
                    return;
                }
            }
            let _ = ws.flush().await;
            // Keep the socket open until the client leaves.
            while let Some(Ok(_)) = ws.next().await {}
        });
    }
}

// ---------------------------------------------------------------------------------------
// Measurement.

/// CPU time of this process (user + system), from /proc (Linux; 100 ticks/s).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    events: usize,
    wall: Duration,
    cpu: Duration,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.events as f64 / self.wall.as_secs_f64()
    }
    fn cpu_us_per_event(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.events as f64
    }
}

/// Marks the span from the first event to the last.
struct Span {
    t0: Instant,
    c0: Duration,
}

impl Span {
    fn start() -> Self {
        Self {
            t0: Instant::now(),
            c0: cpu_time(),
        }
    }
    fn end(self, events: usize) -> Sample {
        Sample {
            events,
            wall: self.t0.elapsed(),
            cpu: cpu_time().saturating_sub(self.c0),
        }
    }
}

/// (a) The ceiling: read frames and parse each into a `serde_json::Value`, nothing else.
async fn bare(port: u16, socketio: bool, n: usize) -> Result<Sample> {
    let url = if socketio {
        format!("ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket")
    } else {
        format!("ws://127.0.0.1:{port}/ws")
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    if socketio {
        ws.next().await.context("open")??;
        ws.send(Message::text(format!(r#"40{NS},{{"apiKey":"{KEY}"}}"#)))
            .await?;
        ws.next().await.context("ack")??;
    } else {
        ws.next().await.context("hello")??;
    }
    let mut count = 0;
    let mut span = None;
    while let Some(msg) = ws.next().await {
        let Message::Text(t) = msg? else { continue };
        let json = if socketio {
            t.find('[').map(|i| &t[i..]).unwrap_or("")
        } else {
            &t[..]
        };
        let v: Value = serde_json::from_str(json)?;
        std::hint::black_box(&v);
        if count == 0 {
            span = Some(Span::start());
        }
        count += 1;
        if count == n {
            break;
        }
    }
    let _ = ws.close(None).await;
    span.map(|s| s.end(n - 1)).context("no events")
}

fn bench_spec(port: u16, socketio: bool) -> ConnectorSpec {
    if socketio {
        let mut s = ConnectorSpec::new(
            "bench-dimes",
            GatewayKind::DimesPartner,
            format!("ws://127.0.0.1:{port}{NS}"),
        );
        s.credential = Some(Secret::new(KEY));
        s
    } else {
        let mut s = ConnectorSpec::new(
            "bench-axisor",
            GatewayKind::Axisor,
            format!("ws://127.0.0.1:{port}/ws"),
        );
        s.credential = Some(Secret::new("eyJ.bench.jwt"));
        s
    }
}

/// The engine's consumer, reduced to what the benchmark measures: every event through a
/// `Reducer`, counted from the first to the `n`th.
async fn consume(mut rx: tokio::sync::mpsc::Receiver<NetEvent>, n: usize) -> Result<Sample> {
    let mut reducer = Reducer::new();
    let mut count = 0;
    let mut span = None;
    let mut errors = 0;
    let mut duplicates = 0;
    let mut on_event = |reducer: &mut Reducer, ev: &Event| {
        if std::hint::black_box(reducer.apply(ev)) == Applied::Duplicate {
            duplicates += 1;
        }
        if count == 0 {
            span = Some(Span::start());
        }
        count += 1;
        count == n
    };
    let (mut msgs, mut depth_sum, mut depth_max) = (0usize, 0usize, 0usize);
    while let Some(ev) = rx.recv().await {
        msgs += 1;
        let d = rx.len();
        depth_sum += d;
        depth_max = depth_max.max(d);
        match ev {
            NetEvent::Event(ev) if on_event(&mut reducer, &ev) => break,
            // As the engine does: the burst's dedupe look-ups first, then each event;
            // `any` stops at the `n`th event.
            NetEvent::Events(evs) => {
                reducer.warm(&evs);
                if evs.iter().any(|ev| on_event(&mut reducer, ev)) {
                    break;
                }
            }
            NetEvent::DecodeError { error, .. } => {
                errors += 1;
                if errors == 1 {
                    eprintln!("decode error in bench stream: {error}");
                }
            }
            NetEvent::State { state, .. } if state.is_final() => bail!("connector ended: {state}"),
            _ => {}
        }
    }
    eprintln!(
        "consumer: {:.1} events per message, {:.1} messages waiting on average (max {depth_max})",
        n as f64 / msgs.max(1) as f64,
        depth_sum as f64 / msgs.max(1) as f64
    );
    if duplicates > 0 {
        eprintln!(
            "*** {duplicates} of {n} events were duplicates: the stream should have none ***"
        );
    }
    span.map(|s| s.end(n - 1)).context("no events")
}

/// Gatewatch as the engine runs it: the connector (decode included) and the consumer
/// (reduce) on one [`NetRuntime`] thread, so no event crosses threads.
async fn gatewatch(port: u16, socketio: bool, n: usize) -> Result<Sample> {
    let shutdown = CancellationToken::new();
    let net = NetRuntime::start("bench-net", shutdown.clone())?;
    let (tx, rx) = tokio::sync::mpsc::channel(channel_capacity());
    let handle = net.spawn_connector(
        bench_spec(port, socketio),
        tx,
        FrameTap::default(),
        shutdown.clone(),
    );
    let sample = net.spawn(consume(rx, n)).await?;
    shutdown.cancel();
    handle.join().await;
    net.join().await;
    sample
}

/// The arrangement before the connector thread: connector and consumer as two tasks on
/// tokio's multi-thread runtime (each burst of events handed to another worker thread).
async fn gatewatch_multi_thread(port: u16, socketio: bool, n: usize) -> Result<Sample> {
    let (tx, rx) = tokio::sync::mpsc::channel(channel_capacity());
    let shutdown = CancellationToken::new();
    let handle = gatewatch_net::spawn(
        bench_spec(port, socketio),
        tx,
        FrameTap::default(),
        shutdown.clone(),
    );
    let sample = tokio::spawn(consume(rx, n)).await?;
    shutdown.cancel();
    handle.join().await;
    sample
}

/// (c) rust_socketio 0.6 (async), one `on_any` callback counting events.
async fn rust_socketio(port: u16, n: usize) -> Result<Sample> {
    use rust_socketio::asynchronous::ClientBuilder;
    use rust_socketio::TransportType;
    let count = Arc::new(AtomicU64::new(0));
    let span: Arc<Mutex<Option<Span>>> = Arc::new(Mutex::new(None));
    let done = Arc::new(tokio::sync::Notify::new());
    let result: Arc<Mutex<Option<Sample>>> = Arc::new(Mutex::new(None));
    let (c, s, d, r) = (count.clone(), span.clone(), done.clone(), result.clone());
    let client = ClientBuilder::new(format!("http://127.0.0.1:{port}/"))
        .namespace(NS)
        .transport_type(TransportType::Websocket)
        .auth(json!({"apiKey": KEY}))
        .on_any(move |_event, payload, _client| {
            std::hint::black_box(&payload);
            let k = c.fetch_add(1, Ordering::Relaxed) + 1;
            if k == 1 {
                if let Ok(mut g) = s.lock() {
                    *g = Some(Span::start());
                }
            } else if k == n as u64 {
                if let (Ok(mut g), Ok(mut out)) = (s.lock(), r.lock()) {
                    *out = g.take().map(|sp| sp.end(n - 1));
                }
                d.notify_one();
            }
            async {}.boxed()
        })
        .connect()
        .await
        .map_err(|e| anyhow!("rust_socketio connect: {e}"))?;
    tokio::time::timeout(Duration::from_secs(120), done.notified())
        .await
        .context("rust_socketio did not receive every event")?;
    let _ = client.disconnect().await;
    let sample = result.lock().map_err(|_| anyhow!("lock"))?.take();
    sample.context("no sample")
}

/// (b) Node socket.io-client in its own process (reports its own CPU).
async fn node(port: u16, n: usize) -> Result<Sample> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/node");
    let out = tokio::process::Command::new("node")
        .arg("ref/sio-client-bench.mjs")
        .arg(format!("http://127.0.0.1:{port}"))
        .arg(NS)
        .arg(n.to_string())
        .arg(KEY)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .await?;
    let v: Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("node output: {}", String::from_utf8_lossy(&out.stdout)))?;
    Ok(Sample {
        events: v["events"].as_u64().context("events")? as usize - 1,
        wall: Duration::from_secs_f64(v["secs"].as_f64().context("secs")?),
        cpu: Duration::from_secs_f64(v["cpu_ms"].as_f64().context("cpu")? / 1000.0),
    })
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() -> Result<()> {
    let rt = tokio::runtime::Runtime::new()?;
    if std::env::var_os(SERVE_ENV).is_some() {
        return rt.block_on(serve());
    }
    rt.block_on(run())
}

/// What a Dimes envelope costs to read when the payload is *not* built as a `Value` tree:
/// the fields decode and the reducer's status need, borrowed from the frame text, and the
/// position's sections kept as raw JSON text. For the floor discussion in
/// docs/connectors.md ("Sixth pass"): the parse part of keeping payloads as text. `D` is
/// the data object's reading ([`BorrowedPosition`], or the sketch's members).
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct BorrowedEnvelope<'a, D> {
    #[serde(borrow)]
    id: Option<&'a str>,
    #[serde(rename = "type", borrow)]
    event_type: Option<&'a str>,
    #[serde(borrow)]
    created_at: Option<&'a str>,
    data: D,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct BorrowedPosition<'a> {
    #[serde(borrow)]
    id: &'a str,
    #[serde(borrow)]
    status: Option<&'a str>,
    #[serde(borrow)]
    market_id: Option<&'a str>,
    #[serde(borrow)]
    side: Option<&'a str>,
    #[serde(borrow)]
    entry: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    current: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    risk: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    fees: Option<&'a serde_json::value::RawValue>,
}

/// The sketch of a Dimes envelope with the payload kept as text (docs/connectors.md,
/// "Eighth pass"): the members decode needs borrowed from the text, the position's members
/// as raw JSON text.
type SketchEnvelope<'a> =
    BorrowedEnvelope<'a, std::collections::BTreeMap<&'a str, &'a serde_json::value::RawValue>>;

/// What the sketch's decode hands on: the fields `Event` has besides its payload, and the
/// payload as the envelope's (redacted) text.
#[allow(dead_code)]
struct SketchEvent {
    event_type: String,
    external_id: Option<String>,
    dedupe_key: String,
    entity_id: String,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    status: Option<String>,
    payload: Box<str>,
    /// Where each data member's key and raw value lie in `payload` (start, end, start,
    /// end), so that reduce need not read the text again: a tape of one level.
    members: Vec<[u32; 4]>,
    /// The typed body (built by the one-pass sketch only).
    body: Option<PositionEvent>,
}

/// The sketch's entity: each data member kept as its raw JSON text, in key order.
#[derive(Default)]
struct SketchEntity {
    members: Vec<(Box<str>, Box<str>)>,
    status: Option<String>,
    events: u64,
}

fn sketch_decode(frame: &str) -> Option<SketchEvent> {
    let json = &frame[frame.find('[')?..];
    let (name, envelope): (&str, &serde_json::value::RawValue) = serde_json::from_str(json).ok()?;
    let text = envelope.get();
    let env: SketchEnvelope<'_> = serde_json::from_str(text).ok()?;
    let unquote = |r: &serde_json::value::RawValue| {
        let t = r.get();
        t.strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .map(str::to_owned)
    };
    let external_id = env.id.map(str::to_owned);
    let at = |part: &str| (part.as_ptr() as usize - text.as_ptr() as usize) as u32;
    let members = env
        .data
        .iter()
        .map(|(k, v)| {
            let (k0, v0) = (at(k), at(v.get()));
            [k0, k0 + k.len() as u32, v0, v0 + v.get().len() as u32]
        })
        .collect();
    Some(SketchEvent {
        members,
        body: None,
        event_type: env.event_type.unwrap_or(name).to_owned(),
        dedupe_key: format!("id:{}", external_id.as_deref().unwrap_or("")),
        external_id,
        entity_id: env.data.get("id").and_then(|r| unquote(r))?,
        created_at: env
            .created_at
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc()),
        status: env.data.get("status").and_then(|r| unquote(r)),
        payload: text.into(),
    })
}

/// [`sketch_decode`] with one pass of our own validating reader ([`gatewatch_core::tape`])
/// over the frame: the envelope's fields and the data object's members found on its tape,
/// the members' places recorded as the event's one-level tape.
fn sketch_decode_one_pass(frame: &str) -> Option<SketchEvent> {
    use gatewatch_core::tape::Tape;
    let tape = Tape::read(&frame[frame.find('[')?..])?;
    let mut args = tape.root().items();
    let name = args.next()?.as_str()?;
    let envelope = args.next()?;
    let text = envelope.json();
    let at = |part: &str| (part.as_ptr() as usize - text.as_ptr() as usize) as u32;
    let data = envelope.get("data")?;
    let mut members: Vec<[u32; 4]> = data
        .members()
        .map(|(k, v)| {
            let (k, v) = (k.raw(), v.json());
            [at(k), at(k) + k.len() as u32, at(v), at(v) + v.len() as u32]
        })
        .collect();
    // In key order, as the stored members are.
    let part = |m: &[u32; 4]| text.get(m[0] as usize..m[1] as usize).unwrap_or("");
    members.sort_unstable_by(|x, y| part(x).cmp(part(y)));
    // The typed body, read from the tape as the decoder reads it from the tree today, and
    // the event's fields taken from it.
    let body: PositionEvent = serde::Deserialize::deserialize(envelope).ok()?;
    Some(SketchEvent {
        event_type: body.event_type.clone().unwrap_or_else(|| name.into_owned()),
        dedupe_key: format!("id:{}", body.id.as_deref().unwrap_or("")),
        external_id: body.id.clone(),
        entity_id: Some(body.data.id.clone()).filter(|id| !id.is_empty())?,
        created_at: body
            .created_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.to_utc()),
        status: body.data.status.clone(),
        payload: text.into(),
        members,
        body: Some(body),
    })
}

/// The sketch's reduce: the dedupe window (the real one), then the data members — read
/// again from the payload text (`reparse`) or found through the event's one-level tape —
/// each compared, as text, with the stored one; changed members copied.
fn sketch_reduce(
    seen: &mut Reducer,
    entities: &mut std::collections::HashMap<String, SketchEntity>,
    ev: &SketchEvent,
    reparse: bool,
) -> bool {
    if !seen.mark_seen(&ev.dedupe_key) {
        return false;
    }
    let p = &*ev.payload;
    let data: Vec<(&str, &str)> = if reparse {
        let Ok(env) = serde_json::from_str::<SketchEnvelope<'_>>(p) else {
            return false;
        };
        env.data.into_iter().map(|(k, v)| (k, v.get())).collect()
    } else {
        let part = |a: u32, b: u32| p.get(a as usize..b as usize).unwrap_or("");
        ev.members
            .iter()
            .map(|&[k0, k1, v0, v1]| (part(k0, k1), part(v0, v1)))
            .collect()
    };
    let slot = match entities.get_mut(ev.entity_id.as_str()) {
        Some(slot) => slot,
        None => entities.entry(ev.entity_id.clone()).or_default(),
    };
    slot.events += 1;
    let mut changed = false;
    let same_keys = slot.members.len() == data.len()
        && slot
            .members
            .iter()
            .zip(&data)
            .all(|((k, _), (nk, _))| &**k == *nk);
    if same_keys {
        for ((_, old), (_, new)) in slot.members.iter_mut().zip(&data) {
            if **old != **new {
                *old = (*new).into();
                changed = true;
            }
        }
    } else {
        slot.members = data
            .iter()
            .map(|(k, v)| (Box::from(*k), Box::from(*v)))
            .collect();
        changed = true;
    }
    if slot.status != ev.status {
        slot.status.clone_from(&ev.status);
    }
    changed
}

/// Time the sketch stage by stage over `frames`: (redaction check, decode, reduce, drop).
fn sketch(frames: &[String], reparse: bool, one_pass: bool) -> [Duration; 4] {
    let mut seen = Reducer::new();
    let mut entities = std::collections::HashMap::new();
    let mut t = [Duration::ZERO; 4];
    for f in frames {
        let t0 = Instant::now();
        let text = gatewatch_core::redact::redact_text(f);
        let t1 = Instant::now();
        let ev = if one_pass {
            sketch_decode_one_pass(&text)
        } else {
            sketch_decode(&text)
        };
        let t2 = Instant::now();
        if let Some(ev) = &ev {
            std::hint::black_box(sketch_reduce(&mut seen, &mut entities, ev, reparse));
        }
        let t3 = Instant::now();
        drop(ev);
        let t4 = Instant::now();
        t[0] += t1 - t0;
        t[1] += t2 - t1;
        t[2] += t3 - t2;
        t[3] += t4 - t3;
    }
    t
}

/// Where the time goes, in memory, per Dimes frame, stage by stage as the connector runs
/// them: redaction check, JSON parse of the Socket.IO array, decode (arguments handed over
/// owned), reduce, and dropping the event.
fn breakdown(n: usize) {
    use gatewatch_core::decode::decode_socketio;
    use gatewatch_core::{DecodeContext, Decoded};
    let frames = dimes_frames(n);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    let ctx = DecodeContext {
        connection: "b".into(),
        gateway: GatewayKind::DimesPartner,
        received_at: chrono::Utc::now(),
    };
    let mut reducer = Reducer::new();
    let [mut redact, mut parse, mut decode, mut reduce, mut drop_t] = [Duration::ZERO; 5];
    let mut decoded = 0;
    let t = Instant::now();
    let mut borrowed = 0usize;
    for f in &frames {
        let json = f.find('[').map(|i| &f[i..]).unwrap_or("[]");
        if let Ok((_, env)) =
            serde_json::from_str::<(&str, BorrowedEnvelope<'_, BorrowedPosition<'_>>)>(json)
        {
            std::hint::black_box(&env);
            borrowed += 1;
        }
    }
    let borrowed_parse = t.elapsed();
    for f in &frames {
        let t = Instant::now();
        let text = gatewatch_core::redact::redact_text(f);
        let t1 = Instant::now();
        let json = text.find('[').map(|i| &text[i..]).unwrap_or("[]");
        // The parser the connector uses (`sio::EventArgs::parse`), not `serde_json::from_str`
        // (until 2026-12-02, session 9, this line timed serde_json's parser).
        let mut items: Vec<Value> = gatewatch_core::json::parse_array(json).unwrap_or_default();
        let name = match items.first_mut() {
            Some(Value::String(s)) => std::mem::take(s),
            _ => String::new(),
        };
        if !items.is_empty() {
            items.remove(0);
        }
        let t2 = Instant::now();
        let ev = decode_socketio(&ctx, &name, items);
        let t3 = Instant::now();
        if let Ok(Decoded::Event(e)) = &ev {
            std::hint::black_box(reducer.apply(e));
            decoded += 1;
        }
        let t4 = Instant::now();
        drop(ev);
        let t5 = Instant::now();
        redact += t1 - t;
        parse += t2 - t1;
        decode += t3 - t2;
        reduce += t4 - t3;
        drop_t += t5 - t4;
    }
    println!(
        "in-memory cost per Dimes frame (one thread): redaction check {:.2} µs, JSON parse {:.2} µs, decode {:.2} µs, reduce {:.2} µs, drop {:.2} µs ({decoded} events decoded)",
        per(redact), per(parse), per(decode), per(reduce), per(drop_t)
    );
    println!(
        "  for comparison, the envelope's fields borrowed from the text with the sections as raw JSON (no Value tree, nothing to drop): {:.2} µs ({} envelopes)",
        per(borrowed_parse),
        borrowed
    );
    // The reading alone, both ways, on the same texts.
    let jsons: Vec<&str> = frames
        .iter()
        .map(|f| f.find('[').map(|i| &f[i..]).unwrap_or("[]"))
        .collect();
    let t = Instant::now();
    for j in &jsons {
        std::hint::black_box(gatewatch_core::json::parse_array(j).ok());
    }
    let tree_read = t.elapsed();
    let t = Instant::now();
    for j in &jsons {
        std::hint::black_box(gatewatch_core::tape::Tape::read(j));
    }
    let tape_read = t.elapsed();
    println!(
        "  reading a Dimes frame alone: into a Value tree {:.2} µs (dropped included), onto a tape {:.2} µs",
        per(tree_read),
        per(tape_read)
    );
    let now = per(redact + parse + decode + reduce + drop_t);
    for (reparse, one_pass, how) in [
        (
            true,
            false,
            "serde_json's borrowed reader, reduce reads the text again",
        ),
        (
            false,
            false,
            "serde_json's borrowed reader and a one-level tape",
        ),
        (
            false,
            true,
            "our validating one-pass reader (gatewatch_core::tape) and a one-level tape",
        ),
    ] {
        let [s_redact, s_decode, s_reduce, s_drop] = sketch(&frames, reparse, one_pass);
        let then = per(s_redact + s_decode + s_reduce + s_drop);
        println!(
            "  sketch, the payload kept as text, {how} (docs/connectors.md, \"Eighth pass\"): redaction check {:.2} µs, decode {:.2} µs, reduce {:.2} µs, drop {:.2} µs: {then:.2} µs against {now:.2} µs now",
            per(s_redact), per(s_decode), per(s_reduce), per(s_drop)
        );
    }
}

async fn run() -> Result<()> {
    let n = events_wanted();
    let only = std::env::var("GATEWATCH_BENCH_ONLY").unwrap_or_default();
    if only.is_empty() || only == "gatewatch" {
        breakdown(n);
    }
    let rounds: usize = std::env::var("GATEWATCH_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .env(SERVE_ENV, "1")
        .env("GATEWATCH_BENCH_EVENTS", n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).await?;
    let port = serde_json::from_str::<Value>(&line)?["port"]
        .as_u64()
        .context("port")? as u16;
    let has_node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_node {
        eprintln!("*** node not found: the Node socket.io-client column is missing ***");
    }

    let names = [
        "socketio: bare tokio-tungstenite -> Value (ceiling)",
        "socketio: gatewatch decode + reduce (connector thread)",
        "socketio: Node socket.io-client",
        "socketio: rust_socketio 0.6 async",
        "raw: bare tokio-tungstenite -> Value (ceiling)",
        "raw: gatewatch decode + reduce (Axisor, conn. thread)",
        "socketio: gatewatch, tokio multi-thread runtime",
        "raw: gatewatch, tokio multi-thread runtime (Axisor)",
    ];
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); names.len()];
    let only_ours = !only.is_empty();
    for round in 0..rounds {
        eprintln!("round {}/{rounds} ({n} events per client)", round + 1);
        // One client alone (for `valgrind --tool=callgrind`, whose counts cover the whole
        // process).
        let one = match only.as_str() {
            "sio-bare" => Some((0, bare(port, true, n).await?)),
            "sio" => Some((1, gatewatch(port, true, n).await?)),
            "sio-mt" => Some((6, gatewatch_multi_thread(port, true, n).await?)),
            "raw-bare" => Some((4, bare(port, false, n).await?)),
            "raw" => Some((5, gatewatch(port, false, n).await?)),
            "raw-mt" => Some((7, gatewatch_multi_thread(port, false, n).await?)),
            _ => None,
        };
        if let Some((row, sample)) = one {
            samples[row].push(sample);
            continue;
        }
        if only_ours {
            samples[1].push(gatewatch(port, true, n).await?);
            samples[5].push(gatewatch(port, false, n).await?);
            samples[6].push(gatewatch_multi_thread(port, true, n).await?);
            samples[7].push(gatewatch_multi_thread(port, false, n).await?);
            continue;
        }
        samples[0].push(bare(port, true, n).await?);
        samples[1].push(gatewatch(port, true, n).await?);
        if has_node {
            samples[2].push(node(port, n).await?);
        }
        samples[3].push(rust_socketio(port, n).await?);
        samples[4].push(bare(port, false, n).await?);
        samples[5].push(gatewatch(port, false, n).await?);
        samples[6].push(gatewatch_multi_thread(port, true, n).await?);
        samples[7].push(gatewatch_multi_thread(port, false, n).await?);
    }
    println!();
    println!("{n} events per client, {rounds} rounds, median; CPU = client process user+sys");
    println!("{:<52} {:>12} {:>14}", "client", "events/s", "CPU µs/event");
    let mut rate = Vec::new();
    let mut cpu = Vec::new();
    for (name, s) in names.iter().zip(&samples) {
        let r = median(s.iter().map(Sample::rate).collect());
        let c = median(s.iter().map(Sample::cpu_us_per_event).collect());
        rate.push(r);
        cpu.push(c);
        if s.is_empty() {
            println!("{name:<52} {:>12} {:>14}", "-", "-");
        } else {
            println!("{name:<52} {r:>12.0} {c:>14.2}");
        }
    }
    if only_ours {
        return Ok(());
    }
    println!();
    if has_node {
        println!(
            "Socket.IO: gatewatch-net / Node socket.io-client = {:.2}x events/s, {:.2}x less CPU per event (target >= 2x)",
            rate[1] / rate[2],
            cpu[2] / cpu[1]
        );
    }
    println!(
        "Socket.IO: gatewatch-net / rust_socketio = {:.2}x events/s",
        rate[1] / rate[3]
    );
    println!(
        "raw: gatewatch-net / bare reader = {:.0}% (target >= 50%)",
        100.0 * rate[5] / rate[4]
    );
    if has_node {
        println!(
            "tokio multi-thread runtime: Socket.IO {:.2}x Node socket.io-client; raw {:.0}% of the bare reader",
            rate[6] / rate[2],
            100.0 * rate[7] / rate[4]
        );
    }
    // Each round runs the clients one after another, so a ratio within a round compares
    // runs a few seconds apart; the medians above can pair a fast round of one client with
    // a slow round of the other. Both views, for a machine whose speed drifts.
    let per_round = |a: usize, b: usize| -> Vec<f64> {
        samples[a]
            .iter()
            .zip(&samples[b])
            .map(|(x, y)| x.rate() / y.rate())
            .collect()
    };
    let list = |xs: Vec<String>| xs.join(", ");
    if has_node {
        let xs = per_round(1, 2).iter().map(|r| format!("{r:.2}x")).collect();
        println!("per round: Socket.IO vs Node {}", list(xs));
    }
    let xs = per_round(5, 4)
        .iter()
        .map(|r| format!("{:.0}%", 100.0 * r))
        .collect();
    println!("per round: raw vs bare reader {}", list(xs));
    Ok(())
}
