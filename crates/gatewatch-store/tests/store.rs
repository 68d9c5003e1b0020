//! Integration tests of the store against real SQLite files.

use chrono::{DateTime, Duration, TimeZone, Utc};
use gatewatch_core::reduce::{Applied, EntityState};
use gatewatch_core::{ConnectionId, EntityKind, EntityRef, Event, GatewayKind, Severity};
use gatewatch_store::model::{AlertRow, ConnectionRow, EventOutcome, WriteBatch};
use gatewatch_store::synth::{event, state};
use gatewatch_store::{stored_key, EventFilter, PositionFilter, Retention, Store, StoreOptions};
use serde_json::{json, Value};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::seconds(secs)
}

fn dimes(ext: &str, ty: &str, pos: &str, at: i64, data: Value) -> Event {
    event(
        GatewayKind::DimesPartner,
        "dimes-partner",
        ty,
        Some(ext),
        Some(EntityRef::new(EntityKind::Position, pos)),
        t(at),
        json!({"id": ext, "type": ty, "created_at": t(at).to_rfc3339(), "data": data}),
    )
}

/// A batch of one event with the state `(status, terminal)` from its `data`.
fn one(e: Event, status: Option<&str>, terminal: bool) -> WriteBatch {
    let data = e.payload.get("data").cloned().unwrap_or(Value::Null);
    let st = state(&e, status, terminal, data);
    let mut b = WriteBatch::new();
    b.push_event(e, Some(Applied::Updated), st);
    b
}

/// An Axisor `position_update` carrying `position`, and the state `(status, terminal)`.
fn axisor_position(
    at: i64,
    position: Value,
    status: &str,
    terminal: bool,
) -> (Event, Option<EntityState>) {
    let id = position["id"].as_str().unwrap_or_default().to_owned();
    let payload = json!({"type": "position_update", "data": {"position": position}});
    let e = event(
        GatewayKind::Axisor,
        "axisor",
        "position_update",
        None,
        Some(EntityRef::new(EntityKind::Position, id)),
        t(at),
        payload.clone(),
    );
    let st = state(
        &e,
        Some(status),
        terminal,
        payload["data"]["position"].clone(),
    );
    (e, st)
}

async fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("nested/dir/g.db"), StoreOptions::default())
        .await
        .expect("open");
    (dir, store)
}

#[tokio::test]
async fn migrations_apply_on_a_new_file_and_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a/b/gatewatch.db");
    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("open");
    let tables: Vec<(String,)> =
        // Tables and views: the typed "tables" of entities are views of `entities` since the
        // third migration; the queries read them under the same names.
        sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name",
        )
            .fetch_all(store.pool())
            .await
            .expect("tables");
    let names: Vec<&str> = tables.iter().map(|(n,)| n.as_str()).collect();
    for want in [
        "events",
        "entities",
        "positions",
        "intents",
        "intent_status_history",
        "lobbies",
        "lobby_participants",
        "contracts",
        "storage_items",
        "markets",
        "candles",
        "strategies",
        "proofs",
        "agents",
        "notifications",
        "alerts",
        "mempool_stats",
        "connections",
        "frames",
    ] {
        assert!(names.contains(&want), "missing table {want}: {names:?}");
    }
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .expect("pragma");
    assert_eq!(fk, 1);
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
    store.close().await;
    // Reopening runs the (already applied) migrations again without error.
    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("reopen");
    assert_eq!(store.event_count().await.expect("count"), 0);
    // Read-only opening of a missing file fails rather than creating one.
    let missing = dir.path().join("none.db");
    let opts = StoreOptions {
        create_if_missing: false,
        ..StoreOptions::default()
    };
    assert!(Store::open(&missing, opts).await.is_err());
    assert!(!missing.exists());
}

#[tokio::test]
async fn duplicates_are_stored_once_in_a_batch_across_batches_and_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("open");
    let e1 = dimes(
        "evt_1",
        "position.created",
        "p1",
        0,
        json!({"id": "p1", "status": "pending"}),
    );
    let e2 = dimes(
        "evt_2",
        "position.opened",
        "p1",
        1,
        json!({"id": "p1", "status": "open"}),
    );
    let mut b = WriteBatch::new();
    b.push_event(e1.clone(), None, None);
    b.push_event(e1.clone(), None, None);
    b.push_event(e2.clone(), None, None);
    let r = store.write_batch(&b).await.expect("write");
    assert_eq!(r.inserted, 2);
    assert_eq!(r.duplicates, 1);
    assert!(matches!(r.outcomes[0], EventOutcome::Inserted { .. }));
    assert_eq!(r.outcomes[1], EventOutcome::Duplicate);
    assert!(matches!(r.outcomes[2], EventOutcome::Inserted { .. }));

    let r = store.write_batch(&b).await.expect("write again");
    assert_eq!((r.inserted, r.duplicates), (0, 3));
    store.close().await;

    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("reopen");
    let r = store
        .write_batch(&one(e2, Some("open"), false))
        .await
        .expect("write");
    assert_eq!((r.inserted, r.duplicates), (0, 1));
    // A duplicate's state is not applied a second time.
    assert_eq!(r.entities_refused, 1);
    assert_eq!(store.event_count().await.expect("count"), 2);
    let dupes: Vec<(String, i64)> = sqlx::query_as(
        "SELECT hex(dedupe_key), count(*) FROM events GROUP BY dedupe_key HAVING count(*) > 1",
    )
    .fetch_all(store.pool())
    .await
    .expect("query");
    assert!(dupes.is_empty());
}

#[tokio::test]
async fn a_stale_state_never_overwrites_a_newer_or_terminal_one() {
    let (_d, store) = temp_store().await;
    let opened = dimes(
        "evt_o",
        "position.opened",
        "p1",
        10,
        json!({"id": "p1", "status": "open", "size": 5}),
    );
    let r = store
        .write_batch(&one(opened, Some("open"), false))
        .await
        .expect("w");
    assert_eq!(r.entities_written, 1);

    // Older, same rank: refused.
    let older = dimes(
        "evt_old",
        "position.force_unwound",
        "p1",
        5,
        json!({"id": "p1", "status": "open", "size": 1}),
    );
    let r = store
        .write_batch(&one(older, Some("open"), false))
        .await
        .expect("w");
    assert_eq!(
        (r.inserted, r.entities_written, r.entities_refused),
        (1, 0, 1)
    );
    let p = store
        .positions(&PositionFilter::default())
        .await
        .expect("q");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].size, Some(5.0));

    // Lower rank with a newer time (pending after open): refused.
    let pending = dimes(
        "evt_p",
        "position.created",
        "p1",
        20,
        json!({"id": "p1", "status": "pending"}),
    );
    let r = store
        .write_batch(&one(pending, Some("pending"), false))
        .await
        .expect("w");
    assert_eq!(r.entities_refused, 1);

    // Terminal with an older time (clock skew): accepted, rank wins.
    let closed = dimes(
        "evt_c",
        "position.closed",
        "p1",
        8,
        json!({"id": "p1", "status": "closed"}),
    );
    let r = store
        .write_batch(&one(closed, Some("closed"), true))
        .await
        .expect("w");
    assert_eq!(r.entities_written, 1);

    // Non-terminal after terminal, even newer: refused; the event is still logged.
    let late = dimes(
        "evt_l",
        "position.close_requested",
        "p1",
        30,
        json!({"id": "p1", "status": "closing"}),
    );
    let r = store
        .write_batch(&one(late, Some("closing"), false))
        .await
        .expect("w");
    assert_eq!((r.inserted, r.entities_refused), (1, 1));
    let p = store
        .positions(&PositionFilter::default())
        .await
        .expect("q");
    assert_eq!(p[0].status.as_deref(), Some("closed"));
    assert!(p[0].closed);
    let states = store.load_entities().await.expect("load");
    assert_eq!(states.len(), 1);
    assert!(states[0].terminal);
    assert_eq!(store.event_count().await.expect("count"), 5);
}

#[tokio::test]
async fn load_entities_round_trips_the_reducer_state() {
    let (_d, store) = temp_store().await;
    let e = dimes(
        "evt_1",
        "position.opening",
        "p9",
        3,
        json!({"id": "p9", "status": "pending", "x": [1, 2]}),
    );
    let mut st =
        state(&e, Some("pending"), false, json!({"id": "p9", "x": [1, 2]})).expect("state");
    st.finalizing = true;
    st.events_applied = 7;
    st.first_seen_at = t(1);
    let mut b = WriteBatch::new();
    b.push_event(e, Some(Applied::Created), Some(st.clone()));
    store.write_batch(&b).await.expect("write");
    let loaded = store.load_entities().await.expect("load");
    assert_eq!(loaded, vec![st]);
}

fn intent_event(id: &str, at: i64, status: &str, proof: &str) -> (Event, Option<EntityState>) {
    let payload = json!({"intentId": id, "status": status, "proofStatus": proof, "solver": "s1",
        "fromChain": "ethereum", "toChain": "starknet", "amount": "1000", "txHashes": ["0x1"],
        "updatedAt": t(at).to_rfc3339()});
    let e = event(
        GatewayKind::Fusion,
        "fusion",
        "intent:status",
        None,
        Some(EntityRef::new(EntityKind::Intent, id)),
        t(at),
        payload.clone(),
    );
    let st = state(&e, Some(status), status == "completed", payload);
    (e, st)
}

#[tokio::test]
async fn intents_their_history_and_timeline() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    for (at, s, p) in [
        (1, "proofs_pending", "pending"),
        (2, "proofs_pending", "pending"), // no change: not a history row
        (3, "proofs_verified", "verified"),
        (4, "matched", "verified"),
    ] {
        let (mut e, st) = intent_event("i1", at, s, p);
        e.dedupe_key = format!("h:i1:{at}");
        b.push_event(e, Some(Applied::Updated), st);
    }
    let (e, st) = intent_event("i2", 5, "completed", "verified");
    b.push_event(e, Some(Applied::Created), st);
    store.write_batch(&b).await.expect("write");

    let i1 = store.intent("i1").await.expect("q").expect("i1 exists");
    assert_eq!(i1.status.as_deref(), Some("matched"));
    assert_eq!(i1.proof_status.as_deref(), Some("verified"));
    assert_eq!(i1.from_chain.as_deref(), Some("ethereum"));
    assert_eq!(i1.tx_hashes, Some(json!(["0x1"])));
    assert!(!i1.terminal);
    assert!(store.intent("nope").await.expect("q").is_none());
    let all = store.intents(10).await.expect("q");
    assert_eq!(
        all.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["i2", "i1"]
    );

    let h = store.intent_status_history("i1").await.expect("q");
    let statuses: Vec<_> = h
        .iter()
        .map(|c| c.status.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["proofs_pending", "proofs_verified", "matched"]);
    assert!(h.iter().all(|c| c.event_id.is_some()));

    let timeline = store
        .entity_events(EntityKind::Intent, "i1", 100)
        .await
        .expect("q");
    assert_eq!(timeline.len(), 4);
    assert!(timeline
        .windows(2)
        .all(|w| w[0].received_at <= w[1].received_at));
    // The limit keeps the newest, still in time order.
    let last2 = store
        .entity_events(EntityKind::Intent, "i1", 2)
        .await
        .expect("q");
    assert_eq!(
        last2.iter().map(|e| e.id).collect::<Vec<_>>(),
        timeline[2..].iter().map(|e| e.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn positions_filters_and_at_risk() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    for (id, risk, status, terminal) in [
        ("a1", true, "open", false),
        ("a2", false, "open", false),
        ("a3", true, "closed", true),
    ] {
        let position = json!({"id": id, "symbol": "BTC_USD", "side": "long", "size": "2",
            "leverage": 10, "distanceToLiquidation": 3.5, "isAtRisk": risk});
        let (e, st) = axisor_position(1, position, status, terminal);
        b.push_event(e, Some(Applied::Created), st);
    }
    let e = dimes(
        "evt_d",
        "position.opened",
        "d1",
        2,
        json!({"id": "d1", "status": "open"}),
    );
    let st = state(&e, Some("open"), false, e.payload["data"].clone());
    b.push_event(e, Some(Applied::Created), st);
    store.write_batch(&b).await.expect("write");

    let risky = store.positions_at_risk().await.expect("q");
    assert_eq!(
        risky.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
    assert_eq!(risky[0].market.as_deref(), Some("BTC_USD"));
    assert_eq!(risky[0].size, Some(2.0));
    assert_eq!(risky[0].leverage, Some(10.0));
    assert_eq!(risky[0].distance_to_liquidation, Some(3.5));

    let axisor = PositionFilter {
        venue: Some("axisor".into()),
        ..Default::default()
    };
    assert_eq!(store.positions(&axisor).await.expect("q").len(), 3);
    let open = PositionFilter {
        open: Some(true),
        ..Default::default()
    };
    let mut ids: Vec<_> = store
        .positions(&open)
        .await
        .expect("q")
        .into_iter()
        .map(|p| p.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["a1", "a2", "d1"]);
    let history = PositionFilter {
        open: Some(false),
        ..Default::default()
    };
    assert_eq!(store.positions(&history).await.expect("q")[0].id, "a3");
    let by_id = PositionFilter {
        id: Some("d1".into()),
        ..Default::default()
    };
    assert_eq!(store.positions(&by_id).await.expect("q")[0].venue, "dimes");
}

#[tokio::test]
async fn hashi_lobbies_contracts_and_storage() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    let lobby = json!({"type": "lobby.joined", "lobbyId": "L1", "lobbyCode": "ABC123",
        "payload": {"lobby": {"participants": [{"id": "u1"}, "u2"]}, "playerId": "u2", "participantCount": 2}});
    let e = event(
        GatewayKind::Hashi,
        "hashi",
        "lobby.joined",
        None,
        Some(EntityRef::new(EntityKind::Lobby, "L1")),
        t(1),
        json!({"type": "lobby:event", "data": lobby}),
    );
    // The reducer keeps the current player ids under `participants`.
    let mut data = lobby;
    data["participants"] = json!(["u1", "u2"]);
    let st = state(&e, Some("lobby.joined"), false, data);
    b.push_event(e, Some(Applied::Created), st);
    let c = json!({"type": "contract.initialized", "contractId": "C1", "lobbyId": "L1"});
    let e = event(
        GatewayKind::Hashi,
        "hashi",
        "contract.initialized",
        None,
        Some(EntityRef::new(EntityKind::Contract, "C1")),
        t(2),
        json!({"type": "contract:event", "data": c}),
    );
    let st = state(&e, None, false, c);
    b.push_event(e, Some(Applied::Created), st);
    let s = json!({"type": "storage.deleted", "storageId": "S1", "contractId": "C1", "lobbyId": "L1", "playerId": "u1"});
    let e = event(
        GatewayKind::Hashi,
        "hashi",
        "storage.deleted",
        None,
        Some(EntityRef::new(EntityKind::StorageItem, "S1")),
        t(3),
        json!({"type": "storage:event", "data": s}),
    );
    let st = state(&e, None, true, s);
    b.push_event(e, Some(Applied::Created), st);
    store.write_batch(&b).await.expect("write");

    let lobbies = store.lobbies().await.expect("q");
    assert_eq!(lobbies.len(), 1);
    assert_eq!(lobbies[0].code.as_deref(), Some("ABC123"));
    assert_eq!(lobbies[0].participants, ["u1", "u2"]);
    assert_eq!(lobbies[0].participant_count, Some(2));
    let contracts = store.contracts(Some("L1")).await.expect("q");
    assert_eq!(contracts.len(), 1);
    assert_eq!(contracts[0].stage, "contract.initialized");
    assert!(store.contracts(Some("other")).await.expect("q").is_empty());
    let items = store.storage_items(None).await.expect("q");
    assert_eq!(items[0].contract_id.as_deref(), Some("C1"));
    assert_eq!(items[0].player_id.as_deref(), Some("u1"));
    assert!(items[0].terminal);
}

#[tokio::test]
async fn event_log_filters_search_and_keyset_pagination() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    for i in 0..30 {
        let (gw, conn, ty) = if i % 3 == 0 {
            (GatewayKind::Zkde, "zkde", "proof_complete")
        } else {
            (GatewayKind::Axisor, "axisor", "market_data_update")
        };
        let mut e = event(
            gw,
            conn,
            ty,
            None,
            None,
            t(i),
            json!({"n": i, "needle": if i == 7 { "Find_Me%" } else { "hay" }}),
        );
        e.severity = Severity::Debug;
        b.push_event(e, Some(Applied::NoEntity), None);
    }
    // An event type nobody documents is still logged.
    let e = event(
        GatewayKind::Fusion,
        "fusion",
        "intent:settlement_proof",
        None,
        None,
        t(40),
        json!({"x": 1}),
    );
    b.push_event(e, Some(Applied::NoEntity), None);
    store.write_batch(&b).await.expect("write");

    let f = EventFilter {
        event_type: Some("proof_complete".into()),
        ..Default::default()
    };
    let rows = store.events(&f).await.expect("q");
    assert_eq!(rows.len(), 10);
    assert!(rows.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let f = EventFilter {
        connection: Some("axisor".into()),
        limit: Some(7),
        ..Default::default()
    };
    let page1 = store.events(&f).await.expect("q");
    let f2 = EventFilter {
        before_id: page1.last().map(|r| r.id),
        ..f.clone()
    };
    let page2 = store.events(&f2).await.expect("q");
    assert_eq!(page1.len(), 7);
    assert!(page2
        .iter()
        .all(|r| r.id < page1[6].id && r.connection == "axisor"));
    // Case-insensitive text search; `%` and `_` are literal.
    let f = EventFilter {
        text: Some("find_me%".into()),
        ..Default::default()
    };
    let hits = store.events(&f).await.expect("q");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].payload["n"], 7);
    let f = EventFilter {
        text: Some("find%me".into()),
        ..Default::default()
    };
    assert!(store.events(&f).await.expect("q").is_empty());
    let f = EventFilter {
        since: Some(t(25)),
        until: Some(t(29)),
        ..Default::default()
    };
    assert_eq!(store.events(&f).await.expect("q").len(), 4);
    let f = EventFilter {
        event_type: Some("intent:settlement_proof".into()),
        ..Default::default()
    };
    assert_eq!(
        store.events(&f).await.expect("q")[0].applied.as_deref(),
        Some("no_entity")
    );
}

/// Payloads long enough to be stored compressed are searched all the same: across pages
/// of the search, with the other filters, ASCII case ignored — the same hits as scanning
/// every payload by hand.
#[tokio::test]
async fn text_search_finds_what_a_scan_of_the_compressed_payloads_finds() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    let marked = [3, 1_999, 2_000, 2_001, 4_500, 4_999];
    for i in 0..5_000 {
        let ty = if i % 2 == 0 {
            "position_update"
        } else {
            "strategy_update"
        };
        let note = if marked.contains(&i) {
            format!("ticket NEEDLE-{i}-Été")
        } else {
            "routine".to_owned()
        };
        let e = event(
            GatewayKind::Zkde,
            "zkde",
            ty,
            None,
            None,
            t(i),
            json!({"data": {
                "position_id": format!("zpos_{i:05}"),
                "pool_id": "vesu-usdc-lend",
                "current_value": 1000.5 + i as f64,
                "note": note,
            }}),
        );
        b.push_event(e, Some(Applied::NoEntity), None);
    }
    store.write_batch(&b).await.expect("write");
    let all = store
        .events(&EventFilter {
            limit: Some(10_000),
            ..Default::default()
        })
        .await
        .expect("all");
    assert_eq!(all.len(), 5_000);
    let by_hand = |needle: &str, ty: Option<&str>| -> Vec<i64> {
        all.iter()
            .filter(|r| ty.is_none_or(|ty| r.event_type == ty))
            .filter(|r| {
                r.payload
                    .to_string()
                    .to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase())
            })
            .map(|r| r.id)
            .collect()
    };
    let search = |text: &str, ty: Option<&str>, before_id: Option<i64>, limit: u32| EventFilter {
        text: Some(text.into()),
        event_type: ty.map(Into::into),
        before_id,
        limit: Some(limit),
        ..Default::default()
    };
    for (needle, ty) in [
        ("needle-", None),
        ("NEEDLE-2000", None),
        ("nEeDlE", Some("strategy_update")),
        ("été", None), // not ASCII: matched as is, like LIKE
        ("Été", None),
        ("zpos_0", Some("position_update")),
        ("no such text", None),
    ] {
        let hits: Vec<i64> = store
            .events(&search(needle, ty, None, 10_000))
            .await
            .expect("search")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(hits, by_hand(needle, ty), "{needle:?} {ty:?}");
    }
    assert_eq!(by_hand("needle-", None).len(), marked.len());
    assert!(by_hand("été", None).is_empty() && by_hand("Été", None).len() == marked.len());
    // A limit and keyset pages over the hits.
    let first = store
        .events(&search("needle", None, None, 2))
        .await
        .expect("page");
    let rest = store
        .events(&search("needle", None, first.last().map(|r| r.id), 10))
        .await
        .expect("page");
    let paged: Vec<i64> = first.iter().chain(&rest).map(|r| r.id).collect();
    assert_eq!(first.len(), 2);
    assert_eq!(paged, by_hand("needle", None));
    // The payloads really are stored compressed.
    let (blobs,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM events WHERE typeof(payload) = 'blob'")
            .fetch_one(store.pool())
            .await
            .expect("count");
    assert_eq!(blobs, 5_000);
}

#[tokio::test]
async fn alerts_notifications_connections_candles_mempool_frames() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    let candles = json!({"type": "historical_data_update", "data": {"symbol": "BTC_USD", "timeframe": "1h",
        "candles": [{"time": 1704547200, "open": 1, "high": 2, "low": 0.5, "close": 1.5, "volume": 10},
                    {"time": 1704550800, "open": 1.5, "high": 2, "low": 1, "close": 1.7, "volume": 11},
                    {"open": 9}]}});
    b.push_event(
        event(
            GatewayKind::Axisor,
            "axisor",
            "historical_data_update",
            None,
            None,
            t(1),
            candles,
        ),
        None,
        None,
    );
    let stats = json!({"total": 10, "submitted": 2, "matched": 3, "executing": 1, "completed": 3, "failed": 1, "cancelled": 0});
    b.push_event(
        event(
            GatewayKind::Fusion,
            "fusion",
            "mempool:stats",
            None,
            None,
            t(2),
            stats,
        ),
        None,
        None,
    );
    let note = json!({"code": "ORDER_FULFILLMENT_RETRYING", "message": "Retrying.", "params": {"position_id": "dm_pos_1", "slippage_bps": 150}});
    let e = event(
        GatewayKind::DimesCustomer,
        "dimes-customer",
        "notification",
        Some("evt_n1"),
        Some(EntityRef::new(EntityKind::Notification, "evt_n1")),
        t(3),
        json!({"id": "evt_n1", "type": "notification", "data": note}),
    );
    let st = state(&e, None, false, note);
    b.push_event(e, Some(Applied::Created), st);
    let alert = AlertRow {
        id: "al1".into(),
        severity: Severity::Critical,
        connection: "axisor".into(),
        gateway: GatewayKind::Axisor,
        entity_kind: Some(EntityKind::Position),
        entity_id: Some("a1".into()),
        title: "At risk".into(),
        body: "a1 is 2% from liquidation".into(),
        at: t(4),
        notified_os: false,
    };
    b.alerts.push(alert.clone());
    let conn = ConnectionRow {
        connection: "axisor".into(),
        gateway: GatewayKind::Axisor,
        environment: Some("simulator".into()),
        state: json!({"state": "connected"}),
        frames_in: 10,
        frames_out: 2,
        events: 9,
        decode_errors: 1,
        duplicates: 0,
        reconnects: 3,
        last_event_at: Some(t(4)),
        updated_at: t(5),
    };
    b.connections.push(conn.clone());
    b.frames.push(gatewatch_core::Frame {
        connection: ConnectionId::new("axisor"),
        gateway: GatewayKind::Axisor,
        direction: gatewatch_core::Direction::In,
        at: t(1),
        text: "{\"type\":\"x\"}".into(),
    });
    let r = store.write_batch(&b).await.expect("write");
    assert_eq!((r.frames, r.alerts), (1, 1));

    let mut again = WriteBatch::new();
    again.alerts.push(AlertRow {
        notified_os: true,
        ..alert.clone()
    });
    store.write_batch(&again).await.expect("write");
    let alerts = store.alerts(10).await.expect("q");
    assert_eq!(
        alerts,
        vec![AlertRow {
            notified_os: true,
            ..alert
        }]
    );
    assert_eq!(store.connections().await.expect("q"), vec![conn]);
    let notes = store.notifications(10).await.expect("q");
    assert_eq!(notes[0].code.as_deref(), Some("ORDER_FULFILLMENT_RETRYING"));
    assert_eq!(notes[0].position_id.as_deref(), Some("dm_pos_1"));
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM candles WHERE symbol = 'BTC_USD' AND timeframe = '1h'",
    )
    .fetch_one(store.pool())
    .await
    .expect("q");
    assert_eq!(n, 2, "the candle without a time is skipped");
    let (total, failed): (i64, i64) = sqlx::query_as("SELECT total, failed FROM mempool_stats")
        .fetch_one(store.pool())
        .await
        .expect("q");
    assert_eq!((total, failed), (10, 1));
}

#[tokio::test]
async fn retention_prunes_by_age_and_size_and_keeps_entities() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    for i in 0..100 {
        // Events 0..40 are 40+ days old, the rest recent.
        let at = if i < 40 {
            t(0) - Duration::days(40) + Duration::seconds(i)
        } else {
            t(i)
        };
        let e = dimes(
            &format!("evt_{i}"),
            "position.opened",
            &format!("p{i}"),
            0,
            json!({"id": format!("p{i}")}),
        );
        let e = Event {
            received_at: at,
            created_at: Some(at),
            ..e
        };
        let st = state(&e, Some("open"), false, json!({"id": format!("p{i}")}));
        b.push_event(e, Some(Applied::Created), st);
    }
    store.write_batch(&b).await.expect("write");
    let policy = Retention {
        max_age: std::time::Duration::from_secs(30 * 86_400),
        max_events: 50,
    };
    let r = store.prune_at(&policy, t(200)).await.expect("prune");
    assert_eq!(r.events_by_age, 40);
    assert_eq!(r.events_by_size, 10);
    assert_eq!(store.event_count().await.expect("count"), 50);
    // The newest 50 remain.
    let (min,): (String,) = sqlx::query_as("SELECT external_id FROM events ORDER BY id LIMIT 1")
        .fetch_one(store.pool())
        .await
        .expect("q");
    assert_eq!(min, "evt_50");
    assert_eq!(store.load_entities().await.expect("load").len(), 100);
    assert_eq!(
        store
            .positions(&PositionFilter::default())
            .await
            .expect("q")
            .len(),
        100
    );
    // Nothing more to prune.
    assert_eq!(
        store.prune_at(&policy, t(200)).await.expect("prune"),
        Default::default()
    );
}

#[tokio::test]
async fn catch_up_marks_stale_and_reconciles_positions() {
    let (_d, store) = temp_store().await;
    let mut b = WriteBatch::new();
    for (id, status, terminal) in [
        ("p1", "open", false),
        ("p2", "pending", false),
        ("p3", "liquidated", true),
        ("p4", "open", false),
    ] {
        let e = dimes(
            &format!("evt_{id}"),
            "position.x",
            id,
            10,
            json!({"id": id, "status": status, "size": 1}),
        );
        let st = state(&e, Some(status), terminal, e.payload["data"].clone());
        b.push_event(e, Some(Applied::Created), st);
    }
    store.write_batch(&b).await.expect("write");

    let marked = store
        .mark_stale("dimes", EntityKind::Position, None)
        .await
        .expect("stale");
    assert_eq!(marked, 3, "terminal p3 is not marked");
    let stale: Vec<_> = store
        .positions(&PositionFilter::default())
        .await
        .expect("q")
        .into_iter()
        .filter(|p| p.stale)
        .map(|p| p.id)
        .collect();
    assert_eq!(stale.len(), 3);

    let snapshot = vec![
        json!({"id": "p1", "status": "closing", "size": 2}),
        json!({"data": {"id": "p2", "status": "open"}}),
        json!({"id": "p3", "status": "open"}),
        json!({"id": "p5", "status": "open", "updated_at": "2025-06-01T10:00:30Z"}),
        json!({"status": "open"}),
    ];
    let r = store
        .reconcile_positions(
            GatewayKind::DimesPartner,
            &ConnectionId::new("dimes-partner"),
            &snapshot,
        )
        .await
        .expect("reconcile");
    assert_eq!((r.created, r.updated, r.kept, r.invalid), (1, 2, 1, 1));
    assert_eq!(r.still_stale, ["p4"]);
    assert_eq!(r.states.len(), 3);

    let all = store
        .positions(&PositionFilter::default())
        .await
        .expect("q");
    let get = |id: &str| all.iter().find(|p| p.id == id).cloned().expect("position");
    assert_eq!(get("p1").status.as_deref(), Some("closing"));
    assert_eq!(get("p1").size, Some(2.0));
    assert!(!get("p1").stale);
    assert_eq!(get("p2").status.as_deref(), Some("open"));
    assert_eq!(
        get("p3").status.as_deref(),
        Some("liquidated"),
        "terminal never regressed"
    );
    assert!(get("p4").stale);
    assert_eq!(get("p5").updated_at, t(30));

    assert_eq!(
        store
            .confirm("dimes", EntityKind::Position, Some(&["p4".to_owned()]))
            .await
            .expect("c"),
        1
    );
    assert!(store
        .positions(&PositionFilter::default())
        .await
        .expect("q")
        .iter()
        .all(|p| !p.stale));
}

#[tokio::test]
async fn in_memory_store_works() {
    let store = Store::open_in_memory().await.expect("open");
    let e = dimes("evt_1", "position.opened", "p1", 0, json!({"id": "p1"}));
    let r = store
        .write_batch(&one(e, Some("open"), false))
        .await
        .expect("write");
    assert_eq!(r.inserted, 1);
    assert_eq!(
        store
            .positions(&PositionFilter::default())
            .await
            .expect("q")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_canary_secret_never_reaches_the_file_or_its_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("g.db");
    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("open");
    let canary = "CANARYx7Q9secretZZ";
    // Secrets a connector should have removed, in the payload, the entity data and a frame.
    let payload = json!({
        "id": "evt_c", "type": "position.opened",
        "auth": {"token": canary, "apiKey": format!("dm_live_skey_{canary}")},
        "url": format!("wss://socket.example?token={canary}"),
        "headers": {"Authorization": format!("Bearer {canary}")},
        "data": {"id": "p1", "status": "open", "password": canary},
    });
    let e = event(
        GatewayKind::DimesPartner,
        "dimes-partner",
        "position.opened",
        Some("evt_c"),
        Some(EntityRef::new(EntityKind::Position, "p1")),
        t(1),
        payload.clone(),
    );
    let st = state(&e, Some("open"), false, payload.clone());
    let mut b = WriteBatch::new();
    b.push_event(e, Some(Applied::Created), st);
    b.frames.push(gatewatch_core::Frame {
        connection: ConnectionId::new("hashi"),
        gateway: GatewayKind::Hashi,
        direction: gatewatch_core::Direction::Out,
        at: t(1),
        text: format!("GET /?token={canary}"),
    });
    let r = store.write_batch(&b).await.expect("write");
    assert_eq!((r.inserted, r.entities_written, r.frames), (1, 1, 1));
    // Non-secret fields survive the redaction.
    let rows = store.events(&EventFilter::default()).await.expect("q");
    assert_eq!(rows[0].payload["data"]["status"], "open");

    // Look at the bytes while the WAL still holds the transaction, then after a checkpoint;
    // and at every payload and entity `data`, decompressed with the file's own dictionary
    // (they are zstd frames: the file's bytes alone would hide a secret in them).
    let found = |bytes: &[u8], word: &str| bytes.windows(word.len()).any(|w| w == word.as_bytes());
    let scan = |when: &str| {
        for suffix in ["", "-wal"] {
            let f = dir.path().join(format!("g.db{suffix}"));
            let Ok(bytes) = std::fs::read(&f) else {
                continue;
            };
            assert!(
                !found(&bytes, canary),
                "canary found in {} ({when})",
                f.display()
            );
        }
    };
    scan("before checkpoint");
    for text in unpacked_columns(&store).await {
        assert!(
            !found(text.as_bytes(), canary),
            "canary in a stored value: {text}"
        );
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .expect("checkpoint");
    scan("after checkpoint");
    // The scans can see a canary: an unredacted word in a payload's non-secret text, short
    // (stored as text) and long (compressed).
    let visible = "VISIBLEx7Q9plainZZ";
    let mut b = WriteBatch::new();
    for (i, payload) in [
        json!({"message": visible}),
        json!({"message": format!("{visible} {}", "and a long enough text ".repeat(8))}),
    ]
    .into_iter()
    .enumerate()
    {
        let e = event(
            GatewayKind::Zkde,
            "zkde",
            "note",
            None,
            None,
            t(2 + i as i64),
            payload,
        );
        b.push_event(e, None, None);
    }
    store.write_batch(&b).await.expect("write");
    let wal = std::fs::read(dir.path().join("g.db-wal")).unwrap_or_default();
    let db = std::fs::read(&path).unwrap_or_default();
    assert!(
        found(&wal, visible) || found(&db, visible),
        "the file scan finds plain text"
    );
    let texts = unpacked_columns(&store).await;
    let frames: Vec<_> = texts.iter().filter(|t| t.contains(visible)).collect();
    assert_eq!(frames.len(), 2, "the value scan finds both payloads");
}

/// Every `events.payload` and `entities.data` as a reader without Gatewatch gets it: text
/// rows as they are, zstd frames decompressed with the dictionary the file holds
/// (`payload_dicts`), by the frame's dictionary id.
async fn unpacked_columns(store: &Store) -> Vec<String> {
    let dicts: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT id, dict FROM payload_dicts")
        .fetch_all(store.pool())
        .await
        .expect("dicts");
    let values: Vec<(Vec<u8>,)> =
        sqlx::query_as("SELECT payload FROM events UNION ALL SELECT data FROM entities")
            .fetch_all(store.pool())
            .await
            .expect("values");
    let mut compressed = 0;
    let out: Vec<String> = values
        .into_iter()
        .map(|(v,)| {
            if !v.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                return String::from_utf8(v).expect("text row");
            }
            compressed += 1;
            let id = zstd::zstd_safe::get_dict_id_from_frame(&v).expect("dict id");
            let dict = &dicts
                .iter()
                .find(|(d, _)| *d == i64::from(id.get()))
                .expect("the file holds the frame's dictionary")
                .1;
            let mut d = zstd::bulk::Decompressor::with_dictionary(dict).expect("dict");
            String::from_utf8(d.decompress(&v, 1 << 20).expect("frame")).expect("utf-8")
        })
        .collect();
    assert!(compressed > 0, "some values are compressed");
    out
}

/// A file written by the first two migrations (typed tables, WITHOUT ROWID `entities`)
/// keeps its entities and typed rows through the third (typed tables folded into
/// `entities`, read back through views of the same names).
#[tokio::test]
async fn folding_migration_keeps_existing_entities_and_typed_rows() {
    use sqlx::migrate::Migrator;
    use std::borrow::Cow;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("old.db");
    let all = sqlx::migrate!("./migrations");
    assert!(all.migrations.len() >= 3, "the folding migration exists");
    let old = Migrator {
        migrations: Cow::Owned(all.migrations[..2].to_vec()),
        ..Migrator::DEFAULT
    };
    {
        let pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .expect("pool");
        old.run(&pool).await.expect("old migrations");
        for sql in [
            "INSERT INTO entities VALUES ('dimes', 'position', 'p1', 'dm', 'dimes-partner', \
             'open', 1, 0, 0, 1, 'position.opened', 2000, 1000, 3, 7, '{\"id\":\"p1\"}')",
            "INSERT INTO positions VALUES ('dimes', 'p1', 'dm', 'BTC', 'yes', 1.5, 0.1, 0.30000000000000004, \
             -2.25, 3, 40, 4.5, 1, 'open', 0, 0, 1, 'position.opened', 1000, 2000)",
            "INSERT INTO entities VALUES ('fusion', 'intent', 'i1', 'fu', 'fusion', \
             'completed', 2, 0, 1, 0, 'intent:status', 5000, 4000, 2, 9, '{\"intentId\":\"i1\"}')",
            "INSERT INTO intents VALUES ('i1', 'fu', 'completed', 'verified', 'solver_a', \
             'ethereum', 'starknet', '10', NULL, '{\"source\":\"0xabc\"}', NULL, NULL, 1, 0, \
             4000, 5000)",
            "INSERT INTO entities VALUES ('hashi', 'contract', 'c1', 'ha', 'hashi', \
             'contract.initialized', 1, 0, 0, 0, 'contract.initialized', 6000, 6000, 1, 11, '{}')",
            "INSERT INTO contracts VALUES ('c1', 'ha', 'lobby_1', 'contract.initialized', 0, 6000)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect(sql);
        }
        pool.close().await;
    }
    let store = Store::open(&path, StoreOptions::default())
        .await
        .expect("open runs the third migration");
    let at_risk = store.positions_at_risk().await.expect("at risk");
    assert_eq!(at_risk.len(), 1);
    let p = &at_risk[0];
    assert_eq!((p.venue.as_str(), p.id.as_str()), ("dimes", "p1"));
    assert_eq!(p.market.as_deref(), Some("BTC"));
    assert_eq!(p.current_value, Some(0.1 + 0.2), "REALs come back exactly");
    assert_eq!(p.pnl, Some(-2.25));
    assert!(p.at_risk && p.stale && !p.closed);
    let intent = store.intent("i1").await.expect("intent").expect("found");
    assert_eq!(intent.status.as_deref(), Some("completed"));
    assert_eq!(intent.solver.as_deref(), Some("solver_a"));
    assert!(intent.terminal);
    let contracts = store.contracts(Some("lobby_1")).await.expect("contracts");
    assert_eq!(contracts.len(), 1);
    assert_eq!(contracts[0].stage, "contract.initialized");
    let states = store.load_entities().await.expect("entities");
    assert_eq!(states.len(), 3);
    assert_eq!(store.integrity_check().await.expect("check"), "ok");
    store.close().await;
}

/// The at-risk read (the writer's `risk_row` through a covering index) returns exactly what
/// the `positions` view says of the same positions — REALs to the last bit, the live
/// `stale` mark, the earliest first-seen time — and follows a position into and out of risk.
#[tokio::test]
async fn at_risk_rows_match_the_positions_view() {
    let (_d, store) = temp_store().await;
    let axisor = |id: &str, at: i64, risk: bool, pnl: f64, status: &str, terminal: bool| {
        let position = json!({"id": id, "symbol": "ETH_USD", "side": "short",
            "size": 0.1 + 0.2, "entryPrice": 1e-7, "currentPrice": 123_456.789_012_345_67,
            "pnl": pnl, "leverage": 25, "margin": 1.0/3.0, "distanceToLiquidation": 2.5,
            "isAtRisk": risk, "status": status});
        let (e, st) = axisor_position(at, position, status, terminal);
        let mut b = WriteBatch::new();
        b.push_event(e, Some(Applied::Updated), st);
        b
    };
    let view = |store: Store| async move {
        let f = PositionFilter {
            at_risk: Some(true),
            open: Some(true),
            ..Default::default()
        };
        store.positions(&f).await.expect("view")
    };
    store
        .write_batch(&axisor("r1", 1, true, -0.1 - 0.2, "open", false))
        .await
        .expect("w");
    store
        .write_batch(&axisor("r2", 2, true, f64::MIN_POSITIVE, "open", false))
        .await
        .expect("w");
    store
        .write_batch(&axisor("safe", 3, false, 1.0, "open", false))
        .await
        .expect("w");
    let risky = store.positions_at_risk().await.expect("at risk");
    assert_eq!(
        risky.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["r2", "r1"],
        "newest first, the safe one left out"
    );
    assert_eq!(risky, view(store.clone()).await, "same rows as the view");
    assert_eq!(risky[1].pnl, Some(-0.1 - 0.2), "REALs come back exactly");
    assert_eq!(risky[1].size, Some(0.1 + 0.2));
    assert_eq!(risky[1].margin, Some(1.0 / 3.0));

    // A reconnect marks them stale without a new state: the read shows it.
    store
        .mark_stale("axisor", EntityKind::Position, None)
        .await
        .expect("stale");
    let risky = store.positions_at_risk().await.expect("at risk");
    assert!(risky.iter().all(|p| p.stale));
    assert_eq!(risky, view(store.clone()).await);

    // Out of risk, then closed: gone from the read.
    store
        .write_batch(&axisor("r1", 4, false, 0.5, "open", false))
        .await
        .expect("w");
    store
        .write_batch(&axisor("r2", 5, true, 0.5, "closed", true))
        .await
        .expect("w");
    assert!(store.positions_at_risk().await.expect("at risk").is_empty());
    // Back at risk: back in the read, with the new values.
    store
        .write_batch(&axisor("r1", 6, true, 7.25, "open", false))
        .await
        .expect("w");
    let risky = store.positions_at_risk().await.expect("at risk");
    assert_eq!(risky.len(), 1);
    assert_eq!(risky[0].pnl, Some(7.25));
    assert_eq!(risky, view(store.clone()).await);
    assert_eq!(
        risky[0].created_at,
        t(1),
        "first seen stays the first event's"
    );
    store.close().await;
}

/// Keys are stored as their creation time and hash (24 bytes); a file written before holds
/// the bare 16-byte hash, or text before that. The fifth migration records the last event
/// id of such a file, and a redelivery of one of those events is still a duplicate (the
/// older forms are looked up while any of those rows is left).
#[tokio::test]
async fn dedupe_keys_with_a_time_prefix_still_match_older_forms() {
    for (old_form, bare_hash) in [("text", false), ("a bare hash", true)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("g.db");
        let old = dimes("evt_old", "position.opened", "p1", 1, json!({"id": "p1"}));
        {
            let store = Store::open(&path, StoreOptions::default())
                .await
                .expect("open");
            store
                .write_batch(&one(old.clone(), Some("open"), false))
                .await
                .expect("w");
            let (kind, key): (String, Vec<u8>) =
                sqlx::query_as("SELECT typeof(dedupe_key), dedupe_key FROM events")
                    .fetch_one(store.pool())
                    .await
                    .expect("q");
            assert_eq!(kind, "blob");
            assert_eq!(
                key,
                stored_key(&old.dedupe_key, old.created_at),
                "time, then hash"
            );
            let (through,): (i64,) =
                sqlx::query_as("SELECT value FROM store_meta WHERE name = 'legacy_keys_through'")
                    .fetch_one(store.pool())
                    .await
                    .expect("marker");
            assert_eq!(through, 0, "a new file has no older keys");
            // What an older version wrote, and what the migration records for its file.
            let q = sqlx::query("UPDATE events SET dedupe_key = ?");
            let q = if bare_hash {
                q.bind(key[8..].to_vec())
            } else {
                q.bind(old.dedupe_key.clone())
            };
            q.execute(store.pool()).await.expect("older form");
            sqlx::query(
                "UPDATE store_meta SET value = (SELECT max(id) FROM events) \
                 WHERE name = 'legacy_keys_through'",
            )
            .execute(store.pool())
            .await
            .expect("marker");
            store.close().await;
        }
        let store = Store::open(&path, StoreOptions::default())
            .await
            .expect("reopen");
        let r = store
            .write_batch(&one(old.clone(), Some("open"), false))
            .await
            .expect("w");
        assert_eq!(
            (r.inserted, r.duplicates),
            (0, 1),
            "matched the key stored as {old_form}"
        );
        let new = dimes("evt_new", "position.opened", "p2", 2, json!({"id": "p2"}));
        let r = store
            .write_batch(&one(new.clone(), Some("open"), false))
            .await
            .expect("w");
        assert_eq!((r.inserted, r.duplicates), (1, 0));
        let r = store
            .write_batch(&one(new, Some("open"), false))
            .await
            .expect("w");
        assert_eq!((r.inserted, r.duplicates), (0, 1), "matched the new key");
        assert_eq!(store.event_count().await.expect("count"), 2);
        store.close().await;
    }
}

/// Keys sort by the time the events say they were created, whatever their hashes: new
/// keys go to the UNIQUE index's newest pages.
#[test]
fn stored_keys_sort_by_creation_time_first() {
    let at = |ms: i64| Utc.timestamp_millis_opt(ms).single();
    let keys = [
        stored_key("id:zzz", None),
        stored_key("id:b", at(-5)),
        stored_key("id:a", at(0)),
        stored_key("id:c", at(1_733_000_000_000)),
        stored_key("id:a", at(1_733_000_000_001)),
    ];
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    assert_ne!(stored_key("id:a", at(7)), stored_key("id:b", at(7)));
    assert_eq!(stored_key("id:a", at(7)), stored_key("id:a", at(7)));
}
