//! Retention and catch-up bookkeeping.

use chrono::{DateTime, Utc};
use gatewatch_core::reduce::{EntityKey, EntityState};
use gatewatch_core::{ConnectionId, EntityKind, EntityRef, GatewayKind};
use serde_json::Value;
use sqlx::Connection as _;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use crate::model::{PruneReport, ReconcileReport, Retention};
use crate::project;
use crate::write::upsert_entity;
use crate::{from_ms, ms, Store, StoreError};

/// Rows deleted per transaction while pruning, so writers are never blocked for long.
const PRUNE_CHUNK: i64 = 20_000;

/// Dimes statuses after which a position belongs in history.
const TERMINAL_POSITION_STATUSES: [&str; 5] =
    ["closed", "settled", "liquidated", "cancelled", "reverted"];

impl Store {
    /// Apply the retention policy now (see [`Store::prune_at`]).
    pub async fn prune(&self, policy: &Retention) -> Result<PruneReport, StoreError> {
        self.prune_at(policy, Utc::now()).await
    }

    /// Apply the retention policy as of `now`: events (and frames) received before
    /// `now - max_age` go, then the oldest beyond `max_events`. Entities, typed tables,
    /// alerts and the intent status history are kept. Deletes in chunks of 20,000 rows,
    /// one transaction each.
    pub async fn prune_at(
        &self,
        policy: &Retention,
        now: DateTime<Utc>,
    ) -> Result<PruneReport, StoreError> {
        let max_age_ms = i64::try_from(policy.max_age.as_millis()).unwrap_or(i64::MAX);
        let cutoff = ms(now).saturating_sub(max_age_ms);
        let keep = i64::try_from(policy.max_events).unwrap_or(i64::MAX);
        let events_by_age = self
            .delete_chunked(
                "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < ? \
                 LIMIT ?)",
                cutoff,
            )
            .await?;
        let frames = self
            .delete_chunked(
                "DELETE FROM frames WHERE id IN (SELECT id FROM frames WHERE at < ? LIMIT ?)",
                cutoff,
            )
            .await?;
        let mut report = PruneReport {
            events_by_age,
            events_by_size: 0,
            frames,
        };

        // The newest id to drop for the size cap: everything at or below it goes.
        for (table, is_events) in [("events", true), ("frames", false)] {
            let boundary: Option<(i64,)> = sqlx::query_as(&format!(
                "SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET ?"
            ))
            .bind(keep)
            .fetch_optional(&self.pool)
            .await?;
            if let Some((boundary,)) = boundary {
                let n = self
                    .delete_chunked(
                        &format!(
                            "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} \
                             WHERE id <= ? ORDER BY id LIMIT ?)"
                        ),
                        boundary,
                    )
                    .await?;
                if is_events {
                    report.events_by_size = n;
                } else {
                    report.frames += n;
                }
            }
        }
        if self.legacy_keys.load(std::sync::atomic::Ordering::Relaxed) {
            self.refresh_legacy_keys().await?;
        }
        Ok(report)
    }

    /// Run a `DELETE … (… ? LIMIT ?)` until it deletes fewer than a chunk.
    async fn delete_chunked(&self, sql: &str, arg: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let n = sqlx::query(sql)
                .bind(arg)
                .bind(PRUNE_CHUNK)
                .execute(&mut *self.write_conn().await?)
                .await?
                .rows_affected();
            total += n;
            if n < PRUNE_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    /// Mark entities of one venue and kind stale (all non-terminal ones when `ids` is
    /// `None`): after a reconnect they may have missed updates until catch-up confirms them.
    /// Returns how many entities were marked.
    pub async fn mark_stale(
        &self,
        venue: &str,
        kind: EntityKind,
        ids: Option<&[String]>,
    ) -> Result<u64, StoreError> {
        self.set_stale(venue, kind, ids, true).await
    }

    /// Clear the stale mark (fresh data confirmed them). Returns how many were cleared.
    pub async fn confirm(
        &self,
        venue: &str,
        kind: EntityKind,
        ids: Option<&[String]>,
    ) -> Result<u64, StoreError> {
        self.set_stale(venue, kind, ids, false).await
    }

    async fn set_stale(
        &self,
        venue: &str,
        kind: EntityKind,
        ids: Option<&[String]>,
        stale: bool,
    ) -> Result<u64, StoreError> {
        let mut conn = self.write_conn().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        let n = set_stale(&mut tx, venue, kind, ids, stale).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Catch-up: reconcile the cache with a venue's current positions (Dimes `GET
    /// /positions`: pass each position object; `{data: {…}}` wrappers are accepted).
    /// Known positions are updated and confirmed; unknown ones created; a position the
    /// cache holds terminal is never regressed. The written states are returned so the
    /// caller can feed them to the reducer.
    pub async fn reconcile_positions(
        &self,
        gateway: GatewayKind,
        connection: &ConnectionId,
        positions: &[Value],
    ) -> Result<ReconcileReport, StoreError> {
        let venue = gateway.venue();
        let mut report = ReconcileReport::default();
        let mut conn = self.write_conn().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        for raw in positions {
            // Take the object the id sits in: the position itself or its `data`.
            let obj = match raw.get("id") {
                Some(_) => raw,
                None => raw.get("data").unwrap_or(raw),
            };
            let Some(id) = project::text(obj, &["id", "position_id", "positionId"]) else {
                report.invalid += 1;
                continue;
            };
            let stored = load_entity(&mut tx, venue, EntityKind::Position, &id).await?;
            if stored.as_ref().is_some_and(|s| s.terminal) {
                report.kept += 1;
                continue;
            }
            let status = project::text(obj, &["status"]);
            let terminal = status
                .as_deref()
                .is_some_and(|s| TERMINAL_POSITION_STATUSES.contains(&s));
            let snapshot_time = project::text(
                obj,
                &[
                    "updated_at",
                    "updatedAt",
                    "timing.updated_at",
                    "timing.updatedAt",
                ],
            )
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc));
            let now = Utc::now();
            let state = match &stored {
                Some(s) => {
                    let mut data = s.data.clone();
                    merge(&mut data, obj);
                    EntityState {
                        connection: connection.clone(),
                        gateway,
                        status: status.or_else(|| s.status.clone()),
                        finalizing: s.finalizing
                            && !matches!(obj.get("status").and_then(Value::as_str), Some("open")),
                        terminal,
                        updated_at: snapshot_time.map_or(s.updated_at, |t| t.max(s.updated_at)),
                        stale: false,
                        data,
                        ..s.clone()
                    }
                }
                None => EntityState {
                    key: EntityKey {
                        venue: venue.to_owned(),
                        entity: EntityRef::new(EntityKind::Position, id.clone()),
                    },
                    connection: connection.clone(),
                    gateway,
                    status,
                    finalizing: false,
                    terminal,
                    last_event_type: "positions.snapshot".to_owned(),
                    updated_at: snapshot_time.unwrap_or(now),
                    first_seen_at: snapshot_time.unwrap_or(now),
                    events_applied: 0,
                    stale: false,
                    data: obj.clone(),
                },
            };
            if upsert_entity(&mut tx, &state, None).await? {
                if stored.is_some() {
                    report.updated += 1;
                } else {
                    report.created += 1;
                }
                report.states.push(state);
            } else {
                // The cache holds a newer state: keep it, but it is confirmed now.
                set_stale(&mut tx, venue, EntityKind::Position, Some(&[id]), false).await?;
                report.kept += 1;
            }
        }
        let rows = sqlx::query(
            "SELECT id FROM entities WHERE venue = ? AND kind = 'position' AND stale = 1 \
             AND terminal = 0 ORDER BY id",
        )
        .bind(venue)
        .fetch_all(&mut *tx)
        .await?;
        report.still_stale = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<_, _>>()?;
        tx.commit().await?;
        Ok(report)
    }
}

/// Shallow merge: `new`'s fields overwrite `base`'s (a snapshot is the whole object).
fn merge(base: &mut Value, new: &Value) {
    match (base, new) {
        (Value::Object(b), Value::Object(n)) => {
            for (k, v) in n {
                b.insert(k.clone(), v.clone());
            }
        }
        (b, n) => *b = n.clone(),
    }
}

async fn load_entity(
    conn: &mut SqliteConnection,
    venue: &str,
    kind: EntityKind,
    id: &str,
) -> Result<Option<EntityState>, StoreError> {
    let row = sqlx::query(
        "SELECT connection, gateway, status, finalizing, terminal, stale, last_event_type, \
         updated_at, first_seen_at, events_applied, data FROM entities \
         WHERE venue = ? AND kind = ? AND id = ?",
    )
    .bind(venue)
    .bind(kind.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let gateway: String = r.try_get("gateway")?;
    let data = crate::packed::unpack(r.try_get("data")?, "entities.data")?;
    Ok(Some(EntityState {
        key: EntityKey {
            venue: venue.to_owned(),
            entity: EntityRef::new(kind, id),
        },
        connection: ConnectionId::new(r.try_get::<String, _>("connection")?),
        gateway: gateway.parse().map_err(|_| StoreError::CorruptRow {
            table: "entities",
            message: format!("unknown gateway `{gateway}`"),
        })?,
        status: r.try_get("status")?,
        finalizing: r.try_get("finalizing")?,
        terminal: r.try_get("terminal")?,
        last_event_type: r.try_get("last_event_type")?,
        updated_at: from_ms(r.try_get("updated_at")?),
        first_seen_at: from_ms(r.try_get("first_seen_at")?),
        events_applied: u64::try_from(r.try_get::<i64, _>("events_applied")?).unwrap_or(0),
        stale: r.try_get("stale")?,
        data: serde_json::from_str(&data).unwrap_or(Value::String(data)),
    }))
}

/// Set the stale flag on `entities` (the typed views show it from there).
async fn set_stale(
    conn: &mut SqliteConnection,
    venue: &str,
    kind: EntityKind,
    ids: Option<&[String]>,
    stale: bool,
) -> Result<u64, StoreError> {
    // Terminal entities can't miss anything that matters: never mark them.
    let only_live = if stale { " AND terminal = 0" } else { "" };
    let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new("UPDATE entities SET stale = ");
    qb.push_bind(stale)
        .push(" WHERE venue = ")
        .push_bind(venue)
        .push(" AND kind = ")
        .push_bind(kind.as_str())
        .push(only_live);
    push_ids(&mut qb, ids);
    let n = qb.build().execute(&mut *conn).await?.rows_affected();

    // The typed views (positions, intents) read `stale` from the same row.
    Ok(n)
}

fn push_ids<'a>(qb: &mut QueryBuilder<'a, Sqlite>, ids: Option<&'a [String]>) {
    if let Some(ids) = ids {
        if ids.is_empty() {
            qb.push(" AND 0");
            return;
        }
        qb.push(" AND id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(id.as_str());
        }
        sep.push_unseparated(")");
    }
}
