//! The bridge against real engines on the simulator: what the UI receives in demo mode, and
//! a connection saved from Settings (secret to the keychain, config rewritten, engine
//! restarted, live stream carrying on). Real time, every wait bounded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gatewatch_app::bridge::BatchSink;
use gatewatch_app::ipc::{ConnectionSettings, Credential, EventFilter, Subscriptions, UiBatch};
use gatewatch_app::{Bridge, BridgeOptions};
use gatewatch_core::{Direction, EntityKind, GatewayKind};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Collect(mpsc::UnboundedSender<UiBatch>);

impl BatchSink for Collect {
    fn send_batch(&self, batch: UiBatch) -> Result<(), String> {
        self.0.send(batch).map_err(|e| e.to_string())
    }
}

/// Receive batches until `done` says enough, failing after `limit`.
async fn until(
    rx: &mut mpsc::UnboundedReceiver<UiBatch>,
    limit: Duration,
    what: &str,
    mut done: impl FnMut(&UiBatch) -> bool,
) -> usize {
    let deadline = tokio::time::Instant::now() + limit;
    let mut n = 0;
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(b)) => {
                n += 1;
                if done(&b) {
                    return n;
                }
            }
            Ok(None) => panic!("the live stream ended while waiting for {what}"),
            Err(_) => panic!("no {what} within {limit:?} ({n} batches)"),
        }
    }
}

fn options(dir: &tempfile::TempDir) -> BridgeOptions {
    BridgeOptions {
        config_path: Some(dir.path().join("config.toml")),
        db: Some(dir.path().join("gatewatch.db")),
        os_notifications: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_streams_batched_cards_and_decoded_frames_and_answers_history_queries() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let bridge = Bridge::new(options(&dir));
    bridge
        .start()
        .await
        .expect("starts on the embedded simulator");
    let (tx, mut rx) = mpsc::unbounded_channel();
    bridge.subscribe_live("main", Collect(tx));

    let snapshot = bridge.snapshot().await.expect("a snapshot");
    assert!(snapshot.demo, "no config file: demo data");
    let mut names: Vec<&str> = snapshot
        .batch
        .connections
        .iter()
        .map(|c| c.connection.as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "axisor",
            "dimes-customer",
            "dimes-partner",
            "fusion",
            "hashi",
            "zkde"
        ]
    );

    // Within the scenario's first minute: positions, an intent, decoded inbound frames
    // naming their entity, outbound frames (subscriptions), statuses.
    let started = Instant::now();
    let (mut position, mut intent, mut decoded_in, mut out, mut statuses) =
        (None, None, false, false, false);
    let mut frames = 0usize;
    let batches = until(
        &mut rx,
        Duration::from_secs(60),
        "positions, intents and frames",
        |b| {
            frames += b.frames.len();
            if position.is_none() {
                position = b.positions.first().map(|p| p.id.clone());
            }
            if intent.is_none() {
                intent = b.intents.first().map(|i| i.id.clone());
            }
            decoded_in |= b.frames.iter().any(|f| {
                f.direction == Direction::In
                    && f.entity_kind == Some(EntityKind::Position)
                    && f.entity_id.is_some()
            });
            out |= b
                .frames
                .iter()
                .any(|f| f.direction == Direction::Out && f.event_type.is_some());
            statuses |= b.connections.len() == 6;
            position.is_some() && intent.is_some() && decoded_in && out && statuses
        },
    )
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    let rate = batches as f64 / elapsed;
    assert!(
        rate <= 31.0,
        "{batches} batches in {elapsed:.1}s = {rate:.1}/s (cap ~30/s)"
    );
    // How many frames share a batch depends on the demo's pace (a few events a second, plus
    // status-only batches): the batching itself is tested under paused time in `batch.rs`.
    assert!(frames > 0, "frames reached the UI");
    let seqs: Vec<u64> = snapshot.batch.frames.iter().map(|f| f.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "snapshot frames in order"
    );

    // The intent's timeline comes from SQLite (the writer commits in batches: poll, bounded).
    let intent = intent.expect("an intent");
    let deadline = Instant::now() + Duration::from_secs(20);
    let detail = loop {
        match bridge.lookup_intent(&intent).await {
            Ok(d) if !d.timeline.is_empty() => break d,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "no timeline for {intent}: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    assert_eq!(
        detail.intent.as_ref().map(|i| i.id.as_str()),
        Some(intent.as_str())
    );
    assert!(detail
        .timeline
        .iter()
        .all(|e| e.entity_id.as_deref() == Some(intent.as_str())));
    let unknown = bridge
        .lookup_intent("int_does_not_exist")
        .await
        .expect_err("unknown id");
    assert_eq!(unknown.kind(), "not_found");

    let position = position.expect("a position");
    let filter = EventFilter {
        entity_id: Some(position.clone()),
        ..Default::default()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let rows = loop {
        let rows = bridge.search_events(&filter).await.expect("a search");
        if !rows.is_empty() {
            break rows;
        }
        assert!(Instant::now() < deadline, "no stored events of {position}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let out_only = EventFilter {
        direction: Some(Direction::Out),
        ..filter.clone()
    };
    assert!(bridge
        .search_events(&out_only)
        .await
        .expect("a search")
        .is_empty());

    let export = dir.path().join("export.jsonl");
    let n = bridge
        .export_events(&filter, export.to_str().expect("a UTF-8 path"))
        .await
        .expect("an export");
    let text = std::fs::read_to_string(&export).expect("the export file");
    assert_eq!(text.lines().count() as u64, n);
    assert!(n >= rows.len() as u64);
    let mut ids = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("one JSON object a line");
        assert_eq!(v["entity_id"], position.as_str());
        ids.push(v["id"].as_i64().expect("an id"));
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "exported oldest first: {ids:?}"
    );
    let relative = bridge
        .export_events(&filter, "out.jsonl")
        .await
        .expect_err("relative path");
    assert_eq!(relative.kind(), "invalid_input");

    // Testing a connection: the simulator's zkde answers, a closed port doesn't.
    let zkde = snapshot
        .batch
        .connections
        .iter()
        .find(|c| c.gateway == GatewayKind::Zkde)
        .expect("zkde");
    let settings = ConnectionSettings {
        name: "zkde-try".into(),
        kind: GatewayKind::Zkde,
        url: zkde.url.clone(),
        environment: "test".into(),
        credential: Credential::None,
        subscriptions: Subscriptions::default(),
    };
    let ok = bridge
        .test_connection(&settings, None)
        .await
        .expect("a verdict");
    assert!(ok.ok, "{ok:?}");

    let muted = bridge
        .set_muted("nope", None)
        .await
        .expect_err("unknown connection");
    assert_eq!(muted.kind(), "no_such_connection");
    bridge
        .set_muted("axisor", Some(chrono::Utc::now()))
        .await
        .expect("known connection");

    bridge.shutdown().await;
}

/// An in-memory OS keychain shared by every entry (keyring's own mock forgets between
/// entries), so a secret saved by the bridge is found when the engine resolves it.
mod memory_keychain {
    use super::*;
    use keyring::credential::{CredentialApi, CredentialBuilderApi};

    type Store = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

    #[derive(Debug)]
    struct Entry {
        key: (String, String),
        store: Store,
    }

    impl CredentialApi for Entry {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            self.store
                .lock()
                .map_err(|_| keyring::Error::NoStorageAccess("poisoned".into()))?
                .insert(self.key.clone(), secret.to_vec());
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            self.store
                .lock()
                .map_err(|_| keyring::Error::NoStorageAccess("poisoned".into()))?
                .get(&self.key)
                .cloned()
                .ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            self.store
                .lock()
                .map_err(|_| keyring::Error::NoStorageAccess("poisoned".into()))?
                .remove(&self.key)
                .map(|_| ())
                .ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[derive(Debug, Default)]
    pub struct Builder {
        pub store: Store,
    }

    impl CredentialBuilderApi for Builder {
        fn build(
            &self,
            _target: Option<&str>,
            service: &str,
            user: &str,
        ) -> keyring::Result<Box<keyring::Credential>> {
            Ok(Box::new(Entry {
                key: (service.to_owned(), user.to_owned()),
                store: self.store.clone(),
            }))
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_connection_goes_to_the_keychain_and_the_file_and_the_stream_carries_on() {
    let keychain = memory_keychain::Builder::default();
    let secrets = keychain.store.clone();
    keyring::set_default_credential_builder(Box::new(keychain));

    // Real gateways to point the new config at (the demo's simulator stops with its engine).
    let sim_token = CancellationToken::new();
    let sim = gatewatch_sim::start(gatewatch_sim::SimOptions::default(), sim_token.clone())
        .await
        .expect("a simulator");
    let axisor = sim
        .info()
        .gateway(GatewayKind::Axisor)
        .expect("axisor")
        .clone();
    let zkde = sim.info().gateway(GatewayKind::Zkde).expect("zkde").clone();
    let jwt = axisor.credential(0).expect("an Axisor JWT").to_owned();

    let dir = tempfile::tempdir().expect("a temp dir");
    let bridge = Bridge::new(options(&dir));
    bridge.start().await.expect("demo start");
    let (tx, mut rx) = mpsc::unbounded_channel();
    bridge.subscribe_live("main", Collect(tx));
    assert!(
        bridge.list_connections().expect("a list").is_empty(),
        "demo: nothing saved yet"
    );

    let settings = ConnectionSettings {
        name: "ax-test".into(),
        kind: GatewayKind::Axisor,
        url: axisor.url.clone(),
        environment: "test".into(),
        credential: Credential::Literal { set: false },
        subscriptions: Subscriptions {
            rooms: vec!["positions".into(), "market:BTC_USD".into()],
            ..Default::default()
        },
    };
    bridge
        .save_connection(&settings, Some(&jwt))
        .await
        .expect("saved");

    let file = std::fs::read_to_string(dir.path().join("config.toml")).expect("the config file");
    assert!(
        file.contains("credential = { keychain = \"ax-test\" }"),
        "{file}"
    );
    assert!(
        !file.contains(&jwt),
        "the secret is not in the file:\n{file}"
    );
    let stored = secrets
        .lock()
        .expect("keychain")
        .get(&("gatewatch".to_owned(), "ax-test".to_owned()))
        .cloned();
    assert_eq!(stored.as_deref(), Some(jwt.as_bytes()));

    let listed = bridge.list_connections().expect("a list");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].credential,
        Credential::Keychain {
            entry: "ax-test".into()
        }
    );
    assert!(!serde_json::to_string(&listed).expect("JSON").contains(&jwt));

    let snapshot = bridge
        .snapshot()
        .await
        .expect("a snapshot after the restart");
    assert!(!snapshot.demo);
    let names: Vec<&str> = snapshot
        .batch
        .connections
        .iter()
        .map(|c| c.connection.as_str())
        .collect();
    assert_eq!(names, ["ax-test"]);

    // The same subscription now carries the new engine's data, starting with a reset batch:
    // its whole state, demo off, only the saved connection (the UI drops the demo's tiles
    // and cards and its banner, without a restart).
    let mut reset_seen = false;
    until(
        &mut rx,
        Duration::from_secs(60),
        "a reset batch, then an Axisor position from the saved connection",
        |b| {
            if let Some(reset) = b.reset {
                let names: Vec<&str> = b
                    .connections
                    .iter()
                    .map(|c| c.connection.as_str())
                    .collect();
                if names == ["ax-test"] {
                    assert!(!reset.demo, "the new engine is not the simulator");
                    assert!(
                        b.positions.iter().all(|p| p.connection == "ax-test"),
                        "no demo position in the new engine's state"
                    );
                    reset_seen = true;
                }
            }
            reset_seen && b.positions.iter().any(|p| p.connection == "ax-test")
        },
    )
    .await;

    let last = bridge
        .remove_connection("ax-test")
        .await
        .expect_err("the last connection");
    assert_eq!(last.kind(), "invalid_input");

    // A second connection, then the first removed: the engine follows the file each time.
    let zk = ConnectionSettings {
        name: "zkde-test".into(),
        kind: GatewayKind::Zkde,
        url: zkde.url.clone(),
        environment: "test".into(),
        credential: Credential::None,
        subscriptions: Subscriptions::default(),
    };
    bridge.save_connection(&zk, None).await.expect("saved");
    bridge.remove_connection("ax-test").await.expect("removed");
    let snapshot = bridge.snapshot().await.expect("a snapshot");
    let names: Vec<&str> = snapshot
        .batch
        .connections
        .iter()
        .map(|c| c.connection.as_str())
        .collect();
    assert_eq!(names, ["zkde-test"]);
    // The removal reaches the UI: a reset batch whose connections no longer have it.
    let mut reset_seen = false;
    until(
        &mut rx,
        Duration::from_secs(30),
        "a reset without the removed connection, then zkde frames from the new engine",
        |b| {
            let names: Vec<&str> = b
                .connections
                .iter()
                .map(|c| c.connection.as_str())
                .collect();
            if b.reset.is_some() && names == ["zkde-test"] {
                reset_seen = true;
            }
            reset_seen
                && b.frames
                    .iter()
                    .any(|f| f.connection == "zkde-test" && f.direction == Direction::In)
        },
    )
    .await;

    // A connection whose credential can't be resolved is refused before the file changes.
    let before = std::fs::read_to_string(dir.path().join("config.toml")).expect("the file");
    let broken = ConnectionSettings {
        name: "ax-env".into(),
        credential: Credential::Env {
            var: "GATEWATCH_TEST_UNSET_VARIABLE_91".into(),
        },
        ..settings.clone()
    };
    let e = bridge
        .save_connection(&broken, None)
        .await
        .expect_err("unset variable");
    assert_eq!(e.kind(), "config");
    assert!(
        e.to_string().contains("GATEWATCH_TEST_UNSET_VARIABLE_91"),
        "{e}"
    );
    let after = std::fs::read_to_string(dir.path().join("config.toml")).expect("the file");
    assert_eq!(before, after);

    bridge.shutdown().await;
    sim_token.cancel();
    sim.stopped().await;
}
