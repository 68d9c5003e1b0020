//! [`Store::write_batch`]: one transaction per batch.

use std::collections::HashMap;

use gatewatch_core::reduce::{Applied, EntityState};
use gatewatch_core::{EntityKind, Event, Frame};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::model::{AlertRow, BatchReport, ConnectionRow, EventOutcome, WriteBatch};
use crate::project::{self, ColValue};
use crate::{ms, Store, StoreError};

/// Rows per multi-row `INSERT` (14 parameters each, far below SQLite's 32,766 limit).
const EVENT_CHUNK: usize = 500;
/// Rows per multi-row frame `INSERT`.
const FRAME_CHUNK: usize = 1000;

/// The `applied` column's spelling of the reducer's verdict.
pub(crate) fn applied_str(a: Applied) -> &'static str {
    match a {
        Applied::Created => "created",
        Applied::Updated => "updated",
        Applied::Duplicate => "duplicate",
        Applied::Stale => "stale",
        Applied::NoEntity => "no_entity",
    }
}

/// The payload as it is written to the file. Connectors redact at the edge; this is where a
/// second pass would go (see the crate docs).
pub(crate) fn payload_text(v: &Value) -> Result<String, StoreError> {
    Ok(serde_json::to_string(v)?)
}

impl Store {
    /// Write one batch in ONE transaction: events (a dedupe key already stored makes the
    /// event a duplicate: counted, not stored), the entity states of the events that were
    /// stored (guarded: a state never replaces a newer or terminal one), candles and mempool
    /// stats carried by events, frames, alerts and connection rows. All or nothing.
    pub async fn write_batch(&self, batch: &WriteBatch) -> Result<BatchReport, StoreError> {
        let mut report = BatchReport::default();
        if batch.is_empty() {
            return Ok(report);
        }
        // Serialize before taking the write lock.
        let payloads = batch
            .events
            .iter()
            .map(|e| payload_text(&e.event.payload))
            .collect::<Result<Vec<_>, _>>()?;

        // IMMEDIATE: take the write lock up front, so a reader-turned-writer can't deadlock
        // with another writer; the busy timeout makes concurrent writers queue.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;

        let mut inserted: HashMap<String, i64> = HashMap::with_capacity(batch.events.len());
        let indices: Vec<usize> = (0..batch.events.len()).collect();
        for chunk in indices.chunks(EVENT_CHUNK) {
            let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
                "INSERT INTO events (dedupe_key, connection, gateway, event_type, external_id, \
                 entity_kind, entity_id, severity, created_at, received_at, at, applied, payload) ",
            );
            qb.push_values(chunk, |mut b, &i| {
                let be = &batch.events[i];
                let e = &be.event;
                b.push_bind(e.dedupe_key.as_str())
                    .push_bind(e.connection.as_str())
                    .push_bind(e.gateway.as_str())
                    .push_bind(e.event_type.as_str())
                    .push_bind(e.external_id.as_deref())
                    .push_bind(e.entity.as_ref().map(|r| r.kind.as_str()))
                    .push_bind(e.entity.as_ref().map(|r| r.id.as_str()))
                    .push_bind(e.severity.as_str())
                    .push_bind(e.created_at.map(ms))
                    .push_bind(ms(e.received_at))
                    .push_bind(ms(e.effective_time()))
                    .push_bind(be.applied.map(applied_str))
                    .push_bind(payloads[i].as_str());
            });
            qb.push(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key");
            let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
            inserted.extend(rows.into_iter().map(|(id, key)| (key, id)));
        }

        // Outcomes in batch order: the first event holding a returned key is the stored one;
        // any later event with the same key (a duplicate within the batch) is not.
        let mut event_ids: Vec<Option<i64>> = Vec::with_capacity(batch.events.len());
        for be in &batch.events {
            match inserted.remove(&be.event.dedupe_key) {
                Some(id) => {
                    report.outcomes.push(EventOutcome::Inserted { id });
                    report.inserted += 1;
                    report.last_event_id = report.last_event_id.max(Some(id));
                    event_ids.push(Some(id));
                }
                None => {
                    report.outcomes.push(EventOutcome::Duplicate);
                    report.duplicates += 1;
                    event_ids.push(None);
                }
            }
        }

        // Entity states: the last state per entity in the batch is the one to keep; every
        // intent state is still recorded in the status history.
        let mut last: HashMap<(&str, EntityKind, &str), usize> = HashMap::new();
        for (i, be) in batch.events.iter().enumerate() {
            let Some(state) = &be.state else { continue };
            let Some(event_id) = event_ids[i] else {
                // The reducer applied an event the log already had (e.g. after a restart
                // that lost its in-memory dedupe set): don't apply it twice.
                report.entities_refused += 1;
                continue;
            };
            if state.key.entity.kind == EntityKind::Intent {
                insert_intent_history(&mut tx, state, &be.event, event_id).await?;
            }
            let key = (
                state.key.venue.as_str(),
                state.key.entity.kind,
                state.key.entity.id.as_str(),
            );
            // A later state of the same entity supersedes an earlier one.
            last.insert(key, i);
        }
        let mut finals: Vec<usize> = last.into_values().collect();
        finals.sort_unstable();
        for i in finals {
            let be = &batch.events[i];
            if let Some(state) = &be.state {
                if upsert_entity(&mut tx, state, event_ids[i]).await? {
                    report.entities_written += 1;
                } else {
                    report.entities_refused += 1;
                }
            }
        }

        // Data carried by events rather than entities.
        for (i, be) in batch.events.iter().enumerate() {
            let Some(event_id) = event_ids[i] else {
                continue;
            };
            match be.event.event_type.as_str() {
                "historical_data_update" => insert_candles(&mut tx, &be.event).await?,
                "mempool:stats" => insert_mempool(&mut tx, &be.event, event_id).await?,
                _ => {}
            }
        }

        for chunk in batch.frames.chunks(FRAME_CHUNK) {
            insert_frames(&mut tx, chunk).await?;
            report.frames += chunk.len() as u64;
        }
        for alert in &batch.alerts {
            upsert_alert(&mut tx, alert).await?;
            report.alerts += 1;
        }
        for row in &batch.connections {
            upsert_connection(&mut tx, row).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Write one connection's state and counters.
    pub async fn upsert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        upsert_connection(&mut conn, row).await
    }
}

/// Upsert the `entities` row, guarded, then (if it was written) the typed table.
/// Returns whether the state was written.
pub(crate) async fn upsert_entity(
    conn: &mut SqliteConnection,
    state: &EntityState,
    event_id: Option<i64>,
) -> Result<bool, StoreError> {
    let data = payload_text(&state.data)?;
    // The guard: never leave a terminal state for a non-terminal one, and otherwise compare
    // status rank first, then the update time, as the reducer does.
    let written: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO entities (venue, kind, id, connection, gateway, status, rank, finalizing, \
         terminal, stale, last_event_type, updated_at, first_seen_at, events_applied, \
         last_event_id, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) \
         ON CONFLICT (venue, kind, id) DO UPDATE SET connection = excluded.connection, \
         gateway = excluded.gateway, status = excluded.status, rank = excluded.rank, \
         finalizing = excluded.finalizing, terminal = excluded.terminal, \
         stale = excluded.stale, last_event_type = excluded.last_event_type, \
         updated_at = excluded.updated_at, \
         first_seen_at = min(entities.first_seen_at, excluded.first_seen_at), \
         events_applied = max(entities.events_applied, excluded.events_applied), \
         last_event_id = coalesce(excluded.last_event_id, entities.last_event_id), \
         data = excluded.data \
         WHERE NOT (entities.terminal = 1 AND excluded.terminal = 0) \
         AND (excluded.rank > entities.rank OR (excluded.rank = entities.rank \
              AND excluded.updated_at >= entities.updated_at)) \
         RETURNING 1",
    )
    .bind(&state.key.venue)
    .bind(state.key.entity.kind.as_str())
    .bind(&state.key.entity.id)
    .bind(state.connection.as_str())
    .bind(state.gateway.as_str())
    .bind(state.status.as_deref())
    .bind(project::rank(state))
    .bind(state.finalizing)
    .bind(state.terminal)
    .bind(state.stale)
    .bind(&state.last_event_type)
    .bind(ms(state.updated_at))
    .bind(ms(state.first_seen_at))
    .bind(i64::try_from(state.events_applied).unwrap_or(i64::MAX))
    .bind(event_id)
    .bind(&data)
    .fetch_optional(&mut *conn)
    .await?;
    if written.is_none() {
        return Ok(false);
    }
    upsert_typed(conn, state, &data).await?;
    Ok(true)
}

/// Write the typed table row of a state the `entities` guard accepted.
async fn upsert_typed(
    conn: &mut SqliteConnection,
    state: &EntityState,
    data: &str,
) -> Result<(), StoreError> {
    match state.key.entity.kind {
        EntityKind::Position => {
            let p = project::position(state);
            sqlx::query(
                "INSERT OR REPLACE INTO positions (venue, id, connection, market, side, size, \
                 entry, current_value, pnl, leverage, margin, distance_to_liquidation, at_risk, \
                 status, finalizing, closed, stale, last_event_type, created_at, updated_at, \
                 payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            )
            .bind(&state.key.venue)
            .bind(&state.key.entity.id)
            .bind(&p.connection)
            .bind(&p.market)
            .bind(&p.side)
            .bind(p.size)
            .bind(p.entry)
            .bind(p.current_value)
            .bind(p.pnl)
            .bind(p.leverage)
            .bind(p.margin)
            .bind(p.distance_to_liquidation)
            .bind(p.at_risk)
            .bind(&p.status)
            .bind(p.finalizing)
            .bind(p.closed)
            .bind(p.stale)
            .bind(&p.last_event_type)
            .bind(ms(p.created_at))
            .bind(ms(p.updated_at))
            .bind(data)
            .execute(&mut *conn)
            .await?;
        }
        EntityKind::Intent => {
            let v = project::intent(state);
            let htlc = v.htlc_state.as_ref().map(payload_text).transpose()?;
            let txs = v.tx_hashes.as_ref().map(payload_text).transpose()?;
            sqlx::query(
                "INSERT OR REPLACE INTO intents (id, connection, status, proof_status, solver, \
                 from_chain, to_chain, amount, htlc_state, tx_hashes, error, failure_reason, \
                 terminal, stale, created_at, updated_at, payload) \
                 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            )
            .bind(&v.id)
            .bind(&v.connection)
            .bind(&v.status)
            .bind(&v.proof_status)
            .bind(&v.solver)
            .bind(&v.from_chain)
            .bind(&v.to_chain)
            .bind(&v.amount)
            .bind(htlc)
            .bind(txs)
            .bind(&v.error)
            .bind(&v.failure_reason)
            .bind(v.terminal)
            .bind(state.stale)
            .bind(ms(v.created_at))
            .bind(ms(v.updated_at))
            .bind(data)
            .execute(&mut *conn)
            .await?;
        }
        EntityKind::Lobby => {
            let v = project::lobby(state);
            sqlx::query(
                "INSERT INTO lobbies (id, connection, code, participant_count, deleted, \
                 last_event_type, updated_at, payload) VALUES (?,?,?,?,?,?,?,?) \
                 ON CONFLICT (id) DO UPDATE SET connection = excluded.connection, \
                 code = coalesce(excluded.code, lobbies.code), \
                 participant_count = excluded.participant_count, deleted = excluded.deleted, \
                 last_event_type = excluded.last_event_type, updated_at = excluded.updated_at, \
                 payload = excluded.payload",
            )
            .bind(&v.id)
            .bind(&v.connection)
            .bind(&v.code)
            .bind(
                v.participant_count
                    .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            )
            .bind(v.deleted)
            .bind(&v.last_event_type)
            .bind(ms(v.updated_at))
            .bind(data)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM lobby_participants WHERE lobby_id = ?")
                .bind(&v.id)
                .execute(&mut *conn)
                .await?;
            for p in &v.participants {
                sqlx::query(
                    "INSERT OR IGNORE INTO lobby_participants (lobby_id, player_id) VALUES (?,?)",
                )
                .bind(&v.id)
                .bind(p)
                .execute(&mut *conn)
                .await?;
            }
        }
        EntityKind::Contract => {
            let v = project::contract(state);
            sqlx::query(
                "INSERT OR REPLACE INTO contracts (id, connection, lobby_id, stage, terminal, \
                 updated_at, payload) VALUES (?,?,?,?,?,?,?)",
            )
            .bind(&v.id)
            .bind(&v.connection)
            .bind(&v.lobby_id)
            .bind(&v.stage)
            .bind(v.terminal)
            .bind(ms(v.updated_at))
            .bind(data)
            .execute(&mut *conn)
            .await?;
        }
        EntityKind::StorageItem => {
            let v = project::storage_item(state);
            sqlx::query(
                "INSERT OR REPLACE INTO storage_items (id, connection, contract_id, lobby_id, \
                 player_id, stage, terminal, updated_at, payload) VALUES (?,?,?,?,?,?,?,?,?)",
            )
            .bind(&v.id)
            .bind(&v.connection)
            .bind(&v.contract_id)
            .bind(&v.lobby_id)
            .bind(&v.player_id)
            .bind(&v.stage)
            .bind(v.terminal)
            .bind(ms(v.updated_at))
            .bind(data)
            .execute(&mut *conn)
            .await?;
        }
        kind => {
            let Some((table, cols)) = project::simple_table(kind) else {
                // Price alerts, risk alerts, margin-guard runs, services, mempool: the
                // `entities` row is their typed store.
                return Ok(());
            };
            let mut sql = format!(
                "INSERT OR REPLACE INTO {table} (venue, id, connection, status, updated_at, payload"
            );
            for c in cols {
                sql.push_str(", ");
                sql.push_str(c.name());
            }
            sql.push_str(") VALUES (?,?,?,?,?,?");
            sql.push_str(&",?".repeat(cols.len()));
            sql.push(')');
            let mut q = sqlx::query(&sql)
                .bind(&state.key.venue)
                .bind(&state.key.entity.id)
                .bind(state.connection.as_str())
                .bind(state.status.as_deref())
                .bind(ms(state.updated_at))
                .bind(data);
            for c in cols.iter() {
                q = match c.read(&state.data) {
                    ColValue::Text(v) => q.bind(v),
                    ColValue::Real(v) => q.bind(v),
                    ColValue::Bool(v) => q.bind(v),
                };
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Record an intent's status / proof status when it differs from the last one recorded.
async fn insert_intent_history(
    conn: &mut SqliteConnection,
    state: &EntityState,
    event: &Event,
    event_id: i64,
) -> Result<(), StoreError> {
    let v = project::intent(state);
    sqlx::query(
        "INSERT INTO intent_status_history (intent_id, status, proof_status, at, event_id, \
         event_type) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM \
         (SELECT status, proof_status FROM intent_status_history WHERE intent_id = ?1 \
          ORDER BY id DESC LIMIT 1) WHERE status IS ?2 AND proof_status IS ?3)",
    )
    .bind(&v.id)
    .bind(&v.status)
    .bind(&v.proof_status)
    .bind(ms(event.effective_time()))
    .bind(event_id)
    .bind(&event.event_type)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Axisor `historical_data_update`: `{data: {symbol, timeframe, candles: [{time, open, …}]}}`.
async fn insert_candles(conn: &mut SqliteConnection, event: &Event) -> Result<(), StoreError> {
    let p = &event.payload;
    let Some(Value::Array(candles)) = project::find(p, &["candles"]) else {
        return Ok(());
    };
    let symbol = project::text(p, &["symbol"]).unwrap_or_default();
    let timeframe = project::text(p, &["timeframe", "interval"]).unwrap_or_default();
    for c in candles {
        let Some(time) = project::num(c, &["time", "timestamp", "t"]) else {
            continue;
        };
        sqlx::query(
            "INSERT OR REPLACE INTO candles (venue, symbol, timeframe, time, open, high, low, \
             close, volume) VALUES (?,?,?,?,?,?,?,?,?)",
        )
        .bind(event.gateway.venue())
        .bind(&symbol)
        .bind(&timeframe)
        .bind(time as i64)
        .bind(project::num(c, &["open", "o"]))
        .bind(project::num(c, &["high", "h"]))
        .bind(project::num(c, &["low", "l"]))
        .bind(project::num(c, &["close", "c"]))
        .bind(project::num(c, &["volume", "v"]))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Fusion `mempool:stats`: one row per report.
async fn insert_mempool(
    conn: &mut SqliteConnection,
    event: &Event,
    event_id: i64,
) -> Result<(), StoreError> {
    let p = &event.payload;
    let n = |k: &str| project::num(p, &[k]).map(|f| f as i64);
    sqlx::query(
        "INSERT INTO mempool_stats (connection, at, total, submitted, matched, executing, \
         completed, failed, cancelled, event_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
    )
    .bind(event.connection.as_str())
    .bind(ms(event.effective_time()))
    .bind(n("total"))
    .bind(n("submitted"))
    .bind(n("matched"))
    .bind(n("executing"))
    .bind(n("completed"))
    .bind(n("failed"))
    .bind(n("cancelled"))
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_frames(conn: &mut SqliteConnection, frames: &[Frame]) -> Result<(), StoreError> {
    let mut qb: QueryBuilder<'_, Sqlite> =
        QueryBuilder::new("INSERT INTO frames (connection, gateway, direction, at, text) ");
    qb.push_values(frames, |mut b, f| {
        b.push_bind(f.connection.as_str())
            .push_bind(f.gateway.as_str())
            .push_bind(f.direction.as_str())
            .push_bind(ms(f.at))
            .push_bind(f.text.as_str());
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

async fn upsert_alert(conn: &mut SqliteConnection, a: &AlertRow) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO alerts (id, severity, connection, gateway, entity_kind, entity_id, title, \
         body, at, notified_os) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET \
         notified_os = max(alerts.notified_os, excluded.notified_os)",
    )
    .bind(&a.id)
    .bind(a.severity.as_str())
    .bind(&a.connection)
    .bind(a.gateway.as_str())
    .bind(a.entity_kind.map(|k| k.as_str()))
    .bind(&a.entity_id)
    .bind(&a.title)
    .bind(&a.body)
    .bind(ms(a.at))
    .bind(a.notified_os)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_connection(
    conn: &mut SqliteConnection,
    r: &ConnectionRow,
) -> Result<(), StoreError> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT OR REPLACE INTO connections (connection, gateway, environment, state, frames_in, \
         frames_out, events, decode_errors, duplicates, reconnects, last_event_at, updated_at) \
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    )
    .bind(&r.connection)
    .bind(r.gateway.as_str())
    .bind(&r.environment)
    .bind(payload_text(&r.state)?)
    .bind(n(r.frames_in))
    .bind(n(r.frames_out))
    .bind(n(r.events))
    .bind(n(r.decode_errors))
    .bind(n(r.duplicates))
    .bind(n(r.reconnects))
    .bind(r.last_event_at.map(ms))
    .bind(ms(r.updated_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
