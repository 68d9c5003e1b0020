//! The engine against the simulator, with each fault the simulator can inject: no panic,
//! the right final state, subscriptions re-joined after every reconnect (asserted on the
//! server side), auth failure not retried.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatewatch_core::config::Config;
use gatewatch_core::GatewayKind;
use gatewatch_engine::{spec, Engine, EngineOptions, Update};
use gatewatch_net::ConnState;
use gatewatch_sim::{Faults, Rate, SimOptions};
use tokio_util::sync::CancellationToken;

/// Poll `cond` every 50 ms until it holds or `timeout` passes.
async fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn sim_opts(rate: f64, faults: Faults) -> SimOptions {
    SimOptions {
        rate: Rate::PerSecond(rate),
        faults,
        zkde_ping_interval: Duration::from_secs(2),
        zkde_pong_timeout: Duration::from_secs(2),
        ..SimOptions::default()
    }
}

/// A separately started simulator and an engine configured (like the demo) to watch it,
/// with short heartbeats and backoff so faults resolve quickly.
struct Rig {
    sim: gatewatch_sim::SimControl,
    /// The Hashi player the engine connects as.
    player: String,
    engine: Engine,
    sim_stop: CancellationToken,
    _dir: tempfile::TempDir,
}

async fn rig(opts: SimOptions, tweak: impl FnOnce(&mut Config)) -> Rig {
    // Warnings and errors (a failed store write, …) show in the test output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let sim_stop = CancellationToken::new();
    let sim = gatewatch_sim::start(opts, sim_stop.clone())
        .await
        .expect("simulator starts");
    let mut config = spec::demo_config(sim.info());
    for c in &mut config.connections {
        c.backoff.initial_ms = 100;
        c.backoff.max_ms = 500;
    }
    tweak(&mut config);
    let control = sim.control();
    let player = sim
        .info()
        .gateway(GatewayKind::Hashi)
        .and_then(|g| g.credentials.first())
        .and_then(|c| c.subject.clone())
        .unwrap_or_default();
    tokio::spawn(sim.stopped());
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::start(
        EngineOptions {
            config: Some(config),
            config_file: "test".into(),
            db: Some(match std::env::var("GW_KEEP_DB") {
                Ok(p) => std::path::PathBuf::from(p),
                Err(_) => dir.path().join("gw.db"),
            }),
            ..Default::default()
        },
        CancellationToken::new(),
    )
    .await
    .expect("engine starts");
    Rig {
        sim: control,
        player,
        engine,
        sim_stop,
        _dir: dir,
    }
}

impl Rig {
    fn state(&self, name: &str) -> Option<ConnState> {
        self.engine
            .status()
            .into_iter()
            .find(|s| s.connection == name)
            .map(|s| s.state)
    }

    fn all_subscribed(&self) -> bool {
        let st = self.engine.status();
        !st.is_empty() && st.iter().all(|s| s.state == ConnState::Subscribed)
    }

    async fn stop(self) {
        self.engine.shutdown().await;
        self.sim_stop.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_shows_events_from_all_five_gateways() {
    let engine = Engine::start(
        EngineOptions {
            demo: sim_opts(60.0, Faults::default()),
            ..Default::default()
        },
        CancellationToken::new(),
    )
    .await
    .expect("engine starts in demo mode");
    assert!(engine.demo().is_some(), "no config → embedded simulator");
    let mut rx = engine.subscribe();
    let mut seen = BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < GatewayKind::ALL.len() && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(Update::Event { event, .. })) =
            tokio::time::timeout(Duration::from_secs(1), rx.recv()).await
        {
            seen.insert(event.gateway);
        }
    }
    engine.shutdown().await;
    assert_eq!(
        seen.len(),
        GatewayKind::ALL.len(),
        "events from every gateway kind, saw {seen:?}"
    );
}

/// Duplicate and reordered deliveries on every gateway: the database ends up matching the
/// simulator's ground truth (issue "SQLite cache", done-when).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_and_reordering_converge_to_ground_truth() {
    let mut faults = Faults::default();
    faults.update(gatewatch_sim::GatewayTarget::All, |f| {
        f.dup = std::env::var("GW_DUP")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.3);
        f.reorder = std::env::var("GW_REORDER")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.3);
    });
    let r = rig(sim_opts(80.0, faults), |_| {}).await;
    // Everything the pipeline saw, for failure messages.
    let seen = Arc::new(Mutex::new(BTreeMap::<String, Vec<String>>::new()));
    {
        let seen = seen.clone();
        let mut rx = r.engine.subscribe();
        tokio::spawn(async move {
            while let Ok(u) = rx.recv().await {
                if let Update::Event { event, applied, .. } = u {
                    if let Some(e) = &event.entity {
                        if let Ok(mut m) = seen.lock() {
                            m.entry(e.id.clone()).or_default().push(format!(
                                "{}:{}({applied:?})",
                                event.connection, event.event_type
                            ));
                        }
                    }
                }
            }
        });
    }
    assert!(wait_until(Duration::from_secs(15), || r.all_subscribed()).await);
    // Entities the scenario had already started before every connection was subscribed may
    // have events we could never see (the gateways keep no history): leave them out.
    let initial = r.sim.ground_truth();
    let early: BTreeSet<String> = initial
        .positions
        .iter()
        .map(|p| p.id.clone())
        .chain(initial.intents.iter().map(|i| i.id.clone()))
        .chain(initial.lobbies.iter().map(|l| l.id.clone()))
        .collect();
    // Let a good amount of history build up, with duplicates and reorderings.
    tokio::time::sleep(Duration::from_secs(12)).await;
    let before = r.sim.ground_truth();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = r.sim.ground_truth();
    let stats = r.sim.stats();
    let dups: u64 = stats.gateways.values().map(|k| k.duplicated).sum();
    let reordered: u64 = stats.gateways.values().map(|k| k.reordered).sum();
    assert!(
        std::env::var("GW_DUP").is_ok() || (dups > 20 && reordered > 20),
        "faults were injected: {dups} dups, {reordered} reordered"
    );

    // Entities whose truth did not change over the last 3 s: every event about them was
    // emitted before `before` was taken, so it must be in the database by now.
    let store = r.engine.store().expect("persisting").clone();
    let positions = store
        .positions(&Default::default())
        .await
        .expect("positions query");
    let db_pos: BTreeMap<(String, String), Option<String>> = positions
        .into_iter()
        .map(|p| ((p.venue, p.id), p.status))
        .collect();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for t in after
        .positions
        .iter()
        .filter(|t| before.positions.contains(t))
    {
        // Axisor documents no position status; the simulator's truth still has one.
        if t.venue == "axisor" || t.venue == "zkde" {
            continue;
        }
        checked += 1;
        match db_pos.get(&(t.venue.clone(), t.id.clone())) {
            Some(s) if s.as_deref() == Some(t.status.as_str()) => {}
            other => {
                let log = history(&store, gatewatch_core::EntityKind::Position, &t.id).await;
                let saw = seen.lock().map(|m| m.get(&t.id).cloned()).ok().flatten();
                mismatches.push(format!(
                    "position {} {}: truth {} db {other:?}; log {log}; pipeline saw {saw:?}",
                    t.venue, t.id, t.status
                ))
            }
        }
    }
    for t in after
        .intents
        .iter()
        .filter(|t| before.intents.contains(t) && !early.contains(&t.id))
    {
        checked += 1;
        let db = store.intent(&t.id).await.expect("intent query");
        let want = if t.removed {
            "removed"
        } else {
            t.status.as_str()
        };
        match db {
            Some(i) if i.status.as_deref() == Some(want) || (t.removed && i.terminal) => {}
            other => {
                let log = history(&store, gatewatch_core::EntityKind::Intent, &t.id).await;
                mismatches.push(format!(
                    "intent {}: truth {want} db {:?}; log {log}",
                    t.id,
                    other.map(|i| i.status)
                ))
            }
        }
    }
    // Hashi sends lobby events to the lobby's members only: compare the lobbies our player
    // is in (the demo connection uses the first player's token).
    let me = r.player.clone();
    let lobbies = store.lobbies().await.expect("lobbies query");
    for t in after.lobbies.iter().filter(|t| {
        before.lobbies.contains(t) && !early.contains(&t.id) && t.participants.contains(&me)
    }) {
        checked += 1;
        let mut want = t.participants.clone();
        want.sort();
        match lobbies.iter().find(|l| l.id == t.id) {
            Some(l) => {
                let mut got = l.participants.clone();
                got.sort();
                if l.deleted != t.deleted || got != want {
                    mismatches.push(format!(
                        "lobby {}: truth {want:?} deleted={} db {got:?} deleted={}",
                        t.id, t.deleted, l.deleted
                    ));
                }
            }
            None => mismatches.push(format!("lobby {} missing", t.id)),
        }
    }
    // Duplicates were recognized as such (the event log's dedupe key is UNIQUE, so each is
    // stored once by construction).
    let seen_dups: u64 = r
        .engine
        .status()
        .iter()
        .map(|s| s.counters.duplicates)
        .sum();
    let status = format!("{:#?}\nsim: {:?}", r.engine.status(), r.sim.stats());
    let reconnects: u64 = r
        .engine
        .status()
        .iter()
        .map(|s| s.counters.reconnects)
        .sum();
    r.stop().await;
    assert_eq!(
        reconnects, 0,
        "a connection dropped: events were missed for a reason other than the faults under test"
    );
    assert!(checked >= 10, "compared only {checked} stable entities");
    assert!(
        mismatches.is_empty(),
        "{} of {checked} differ:\n{}\n{status}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(seen_dups > 0, "no duplicate was detected");
}

/// One entity's event log as `type(applied)` items, for failure messages.
async fn history(
    store: &gatewatch_store::Store,
    kind: gatewatch_core::EntityKind,
    id: &str,
) -> String {
    match store.entity_events(kind, id, 100).await {
        Ok(rows) => rows
            .iter()
            .map(|r| {
                format!(
                    "{}@{}",
                    r.event_type,
                    r.created_at
                        .map(|t| t.format("%S%.3f").to_string())
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => e.to_string(),
    }
}

/// Malformed and oversized frames: counted, never fatal; the oversized one rebuilds the
/// connection (the size limit is well below tungstenite's 64 MiB default) and data flows
/// again afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_frames_are_counted_and_survived() {
    let mut faults = Faults::default();
    faults.update(
        gatewatch_sim::GatewayTarget::One(GatewayKind::Axisor),
        |f| {
            f.malformed = 0.3;
        },
    );
    faults.update(gatewatch_sim::GatewayTarget::One(GatewayKind::Hashi), |f| {
        f.oversized = 0.05;
        f.oversized_bytes = 4 << 20;
    });
    let r = rig(sim_opts(60.0, faults), |_| {}).await;
    let ok = wait_until(Duration::from_secs(30), || {
        let st = r.engine.status();
        let ax = st.iter().find(|s| s.connection == "axisor");
        let ha = st.iter().find(|s| s.connection == "hashi");
        matches!((ax, ha), (Some(a), Some(h))
            if a.counters.decode_errors >= 3 && h.counters.reconnects >= 1 && h.counters.events > 0)
    })
    .await;
    let st = r.engine.status();
    assert!(
        ok,
        "expected decode errors on axisor and a rebuilt hashi connection: {st:#?}"
    );
    // And the connections recover to subscribed.
    assert!(
        wait_until(Duration::from_secs(10), || r.state("hashi")
            == Some(ConnState::Subscribed))
        .await
    );
    assert_eq!(r.state("axisor"), Some(ConnState::Subscribed));
    r.stop().await;
}

/// Dropped connections: every gateway reconnects and every room and subscription is
/// re-joined — checked on the server side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_rejoined_after_every_drop() {
    let r = rig(sim_opts(20.0, Faults::default()), |cfg| {
        for c in &mut cfg.connections {
            match c.kind {
                GatewayKind::Hashi => c.lobbies = vec!["LOBBY42".into()],
                GatewayKind::Fusion => c.intents = vec!["0xfeedbeef".into()],
                _ => {}
            }
        }
    })
    .await;
    assert!(wait_until(Duration::from_secs(15), || r.all_subscribed()).await);
    let expected = |kind: GatewayKind| -> Vec<String> {
        match kind {
            GatewayKind::Axisor => {
                let mut v: Vec<String> = [
                    "positions",
                    "notifications",
                    "margin_guard",
                    "market:BTC_USD",
                    "market:ETH_USD",
                    "market:SOL_USD",
                ]
                .into_iter()
                .map(String::from)
                .collect();
                v.sort();
                v
            }
            GatewayKind::Hashi => vec!["LOBBY42".into()],
            GatewayKind::Fusion => vec!["all".into(), "intent:0xfeedbeef".into()],
            _ => Vec::new(),
        }
    };
    let subs_ok = |kind: GatewayKind| {
        let subs = r.sim.subscriptions(kind);
        subs.len() == 1 && {
            let mut got = subs[0].subscriptions.clone();
            got.sort();
            let mut want = expected(kind);
            want.sort();
            got == want
        }
    };
    for round in 0..3 {
        for kind in [
            GatewayKind::Axisor,
            GatewayKind::Hashi,
            GatewayKind::Fusion,
            GatewayKind::Zkde,
            GatewayKind::DimesPartner,
        ] {
            r.sim.drop_connections(kind);
        }
        // The drop is seen, then everything comes back with its subscriptions.
        let back = wait_until(Duration::from_secs(20), || {
            r.all_subscribed()
                && [GatewayKind::Axisor, GatewayKind::Hashi, GatewayKind::Fusion]
                    .into_iter()
                    .all(&subs_ok)
                && r.engine
                    .status()
                    .iter()
                    .all(|s| s.counters.reconnects > round)
        })
        .await;
        assert!(
            back,
            "round {round}: not re-subscribed: axisor {:?} hashi {:?} fusion {:?} status {:#?}",
            r.sim.subscriptions(GatewayKind::Axisor),
            r.sim.subscriptions(GatewayKind::Hashi),
            r.sim.subscriptions(GatewayKind::Fusion),
            r.engine.status()
        );
    }
    r.stop().await;
}

/// A silent server (no data, no pong) is detected within its deadline and rebuilt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_servers_are_detected_and_rebuilt() {
    let r = rig(sim_opts(20.0, Faults::default()), |cfg| {
        for c in &mut cfg.connections {
            c.heartbeat.interval_secs = 1;
            c.heartbeat.timeout_secs = 1;
            c.heartbeat.server_silence_secs = 5;
        }
    })
    .await;
    assert!(wait_until(Duration::from_secs(15), || r.all_subscribed()).await);
    for kind in [GatewayKind::Hashi, GatewayKind::Fusion, GatewayKind::Zkde] {
        r.sim.set_silent(kind, true);
    }
    let t0 = std::time::Instant::now();
    let detected = wait_until(Duration::from_secs(20), || {
        r.engine
            .status()
            .iter()
            .filter(|s| ["hashi", "fusion", "zkde"].contains(&s.connection.as_str()))
            // The connection was torn down: it is trying again (the silent server won't
            // finish a handshake, so it can't be back to `subscribed` yet).
            .all(|s| s.state != ConnState::Subscribed || s.counters.reconnects >= 1)
    })
    .await;
    let took = t0.elapsed();
    assert!(detected, "silence not detected: {:#?}", r.engine.status());
    // Deadlines here: ping every 1 s + 1 s grace (hashi, fusion), 5 s silence (zkde).
    assert!(took < Duration::from_secs(12), "took {took:?}");
    for kind in [GatewayKind::Hashi, GatewayKind::Fusion, GatewayKind::Zkde] {
        r.sim.set_silent(kind, false);
    }
    assert!(
        wait_until(Duration::from_secs(15), || r.all_subscribed()).await,
        "{:#?}",
        r.engine.status()
    );
    r.stop().await;
}

/// Auth rejection: the state says "authentication failed" with the server's message and
/// the connector doesn't retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_rejection_is_final() {
    let mut faults = Faults::default();
    for kind in [
        GatewayKind::DimesPartner,
        GatewayKind::Axisor,
        GatewayKind::Hashi,
    ] {
        faults.update(gatewatch_sim::GatewayTarget::One(kind), |f| {
            f.reject_auth = true
        });
    }
    let r = rig(sim_opts(20.0, faults), |_| {}).await;
    let failed = wait_until(Duration::from_secs(15), || {
        ["dimes-partner", "axisor", "hashi"]
            .iter()
            .all(|n| matches!(r.state(n), Some(ConnState::AuthFailed { .. })))
    })
    .await;
    assert!(failed, "{:#?}", r.engine.status());
    for s in r.engine.status() {
        if let ConnState::AuthFailed { message } = &s.state {
            assert!(message.contains("authentication failed"), "{message}");
        }
    }
    let reconnects = |st: &[gatewatch_engine::ConnectionStatus]| -> u64 {
        st.iter()
            .filter(|s| ["dimes-partner", "axisor", "hashi"].contains(&s.connection.as_str()))
            .map(|s| s.counters.reconnects)
            .sum()
    };
    let before = reconnects(&r.engine.status());
    // Several backoff periods (100–500 ms here) pass: no new attempt is made.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let st = r.engine.status();
    assert_eq!(
        reconnects(&st),
        before,
        "retried after auth failure: {st:#?}"
    );
    for n in ["dimes-partner", "axisor", "hashi"] {
        assert!(matches!(r.state(n), Some(ConnState::AuthFailed { .. })));
    }
    // Other gateways are unaffected.
    assert_eq!(r.state("fusion"), Some(ConnState::Subscribed));
    r.stop().await;
}

/// Catch-up: Dimes events missed while disconnected are recovered from `GET /positions`
/// after the reconnect, so the database matches the simulator again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dimes_catch_up_recovers_what_was_missed_while_disconnected() {
    let r = rig(sim_opts(60.0, Faults::default()), |cfg| {
        for c in &mut cfg.connections {
            if matches!(
                c.kind,
                GatewayKind::DimesPartner | GatewayKind::DimesCustomer
            ) {
                // A wide gap, so the scenario moves on while we are away.
                c.backoff.initial_ms = 3_000;
                c.backoff.max_ms = 3_000;
            }
        }
    })
    .await;
    assert!(wait_until(Duration::from_secs(15), || r.all_subscribed()).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    r.sim.drop_connections(GatewayKind::DimesPartner);
    assert!(
        wait_until(Duration::from_secs(15), || {
            r.all_subscribed()
                && r.engine
                    .status()
                    .iter()
                    .any(|s| s.connection == "dimes-partner" && s.counters.reconnects >= 1)
        })
        .await
    );
    // Give the catch-up a moment, then compare every Dimes position the REST API knows.
    let store = r.engine.store().expect("persisting").clone();
    let mut last = String::new();
    let ok = {
        let mut ok = false;
        for _ in 0..40 {
            let truth = r.sim.ground_truth();
            let db = store
                .positions(&gatewatch_store::PositionFilter {
                    venue: Some("dimes".into()),
                    limit: Some(10_000),
                    ..Default::default()
                })
                .await
                .expect("positions");
            let db: BTreeMap<String, Option<String>> =
                db.into_iter().map(|p| (p.id, p.status)).collect();
            let missing: Vec<String> = truth
                .positions
                .iter()
                .filter(|t| t.venue == "dimes")
                .filter(|t| db.get(&t.id).map(|s| s.as_deref()) != Some(Some(t.status.as_str())))
                .map(|t| format!("{} {} (db {:?})", t.id, t.status, db.get(&t.id)))
                .collect();
            // Positions the scenario touches right now may be a frame ahead of us; what
            // matters is that nothing stays behind.
            if missing.len() <= 2 {
                ok = true;
                break;
            }
            last = missing.join("\n");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        ok
    };
    r.stop().await;
    assert!(ok, "Dimes positions still differ after catch-up:\n{last}");
}
