//! The queries of the UI, the CLI and support staff. Each is served by an index (see the
//! migration) so it stays in the low milliseconds with millions of events in the log.

use gatewatch_core::reduce::{EntityKey, EntityState};
use gatewatch_core::views::{ContractView, IntentView, LobbyView, PositionView, StorageItemView};
use gatewatch_core::{ConnectionId, EntityKind, EntityRef, GatewayKind};
use serde_json::Value;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite};

use crate::model::{
    AlertRow, ConnectionRow, EventFilter, EventRow, IntentStatusChange, NotificationRow,
    PositionFilter,
};
use crate::{from_ms, ms, packed, Store, StoreError, TEXT_SEARCH_WINDOW};

const EVENT_COLUMNS: &str = "id, connection, gateway, event_type, external_id, entity_kind, \
     entity_id, severity, created_at, received_at, applied, payload";
const POSITION_COLUMNS: &str = "venue, id, connection, market, side, size, entry, \
     current_value, pnl, leverage, margin, distance_to_liquidation, at_risk, status, \
     finalizing, closed, stale, last_event_type, created_at, updated_at";

/// Stored JSON back to a value; text that isn't JSON comes back as a string rather than
/// failing the whole query.
fn json(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn parse_kind(table: &'static str, s: &str) -> Result<EntityKind, StoreError> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(|_| StoreError::CorruptRow {
        table,
        message: format!("unknown entity kind `{s}`"),
    })
}

fn parse_gateway(table: &'static str, s: &str) -> Result<GatewayKind, StoreError> {
    s.parse().map_err(|_| StoreError::CorruptRow {
        table,
        message: format!("unknown gateway `{s}`"),
    })
}

fn clamp_limit(limit: Option<u32>, default: u32, max: u32) -> i64 {
    i64::from(limit.unwrap_or(default).clamp(1, max))
}

fn event_row(r: &SqliteRow) -> Result<EventRow, StoreError> {
    event_row_with(r, packed::unpack(r.try_get("payload")?, "events.payload")?)
}

/// An event row whose payload column was already read (and decompressed).
fn event_row_with(r: &SqliteRow, payload: String) -> Result<EventRow, StoreError> {
    Ok(EventRow {
        id: r.try_get("id")?,
        connection: r.try_get("connection")?,
        gateway: r.try_get("gateway")?,
        event_type: r.try_get("event_type")?,
        external_id: r.try_get("external_id")?,
        entity_kind: r.try_get("entity_kind")?,
        entity_id: r.try_get("entity_id")?,
        severity: r.try_get("severity")?,
        created_at: r.try_get::<Option<i64>, _>("created_at")?.map(from_ms),
        received_at: from_ms(r.try_get("received_at")?),
        applied: r.try_get("applied")?,
        payload: json(payload),
    })
}

/// Rows a payload search reads per query.
const SEARCH_PAGE: i64 = 2_000;

/// `SELECT columns FROM events WHERE` every filter of `f` but the text, and `id < before` (the
/// filter's own `before_id` when `before` is `None`).
fn events_query(
    f: &EventFilter,
    before: Option<i64>,
    columns: &str,
) -> QueryBuilder<'static, Sqlite> {
    let mut qb: QueryBuilder<'static, Sqlite> =
        QueryBuilder::new(format!("SELECT {columns} FROM events WHERE 1=1"));
    if let Some(c) = &f.connection {
        qb.push(" AND connection = ").push_bind(c.clone());
    }
    if let Some(t) = &f.event_type {
        qb.push(" AND event_type = ").push_bind(t.clone());
    }
    if let Some(k) = f.entity_kind {
        qb.push(" AND entity_kind = ").push_bind(k.as_str());
    }
    if let Some(id) = &f.entity_id {
        qb.push(" AND entity_id = ").push_bind(id.clone());
    }
    if let Some(t) = f.since {
        qb.push(" AND received_at >= ").push_bind(ms(t));
    }
    if let Some(t) = f.until {
        qb.push(" AND received_at < ").push_bind(ms(t));
    }
    if let Some(b) = before.or(f.before_id) {
        qb.push(" AND id < ").push_bind(b);
    }
    qb
}

/// A REAL column as exact text inside `json_array` (SQLite's JSON prints 15 significant
/// digits, which doesn't round-trip an f64; `%!.17g` does). NULL stays NULL.
macro_rules! real {
    ($c:literal) => {
        concat!("iif(", $c, " IS NULL, NULL, printf('%!.17g', ", $c, "))")
    };
}

/// Positions come back packed into ONE JSON array of row arrays: a few hundred rows
/// through sqlx cost ~10 us each (every value copied out of SQLite, one allocation per
/// value, rows handed across threads), which kept positions-at-risk at the 5 ms line.
const POSITION_JSON: &str = concat!(
    "SELECT json_group_array(json_array(venue, id, connection, market, side, ",
    real!("size"),
    ", ",
    real!("entry"),
    ", ",
    real!("current_value"),
    ", ",
    real!("pnl"),
    ", ",
    real!("leverage"),
    ", ",
    real!("margin"),
    ", ",
    real!("distance_to_liquidation"),
    ", at_risk, status, finalizing, closed, stale, last_event_type, created_at, \
     updated_at)) FROM "
);

/// One position row of [`POSITION_JSON`], in its column order.
#[derive(serde::Deserialize)]
struct PositionJson(
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<String>,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
);

/// Unpack [`POSITION_JSON`]'s answer, newest update first.
fn position_rows(packed: &str) -> Result<Vec<PositionView>, StoreError> {
    let corrupt = |message: String| StoreError::CorruptRow {
        table: "positions",
        message,
    };
    let real = |v: Option<String>| -> Result<Option<f64>, StoreError> {
        v.map(|s| {
            s.parse()
                .map_err(|_| corrupt(format!("not a number: `{s}`")))
        })
        .transpose()
    };
    let rows: Vec<PositionJson> =
        serde_json::from_str(packed).map_err(|e| corrupt(e.to_string()))?;
    let mut out = rows
        .into_iter()
        .map(|r| {
            Ok(PositionView {
                venue: r.0,
                id: r.1,
                connection: r.2,
                market: r.3,
                side: r.4,
                size: real(r.5)?,
                entry: real(r.6)?,
                current_value: real(r.7)?,
                pnl: real(r.8)?,
                leverage: real(r.9)?,
                margin: real(r.10)?,
                distance_to_liquidation: real(r.11)?,
                at_risk: r.12 != 0,
                status: r.13,
                finalizing: r.14 != 0,
                closed: r.15 != 0,
                stale: r.16 != 0,
                last_event_type: r.17,
                created_at: from_ms(r.18),
                updated_at: from_ms(r.19),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // The aggregate's order is the subquery's in practice, not by contract: sort (stably).
    out.sort_by_key(|p| std::cmp::Reverse(p.updated_at));
    Ok(out)
}

/// One row of the at-risk read: `stale`, `first_seen_at`, then the writer's `risk_row`.
#[derive(serde::Deserialize)]
struct RiskRow(
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    i64,
    String,
    i64,
);

/// Unpack the at-risk read, newest update first.
fn risk_rows(packed: &str) -> Result<Vec<PositionView>, StoreError> {
    let rows: Vec<RiskRow> = serde_json::from_str(packed).map_err(|e| StoreError::CorruptRow {
        table: "positions",
        message: e.to_string(),
    })?;
    let mut out: Vec<PositionView> = rows
        .into_iter()
        .map(|r| PositionView {
            stale: r.0 != 0,
            created_at: from_ms(r.1),
            venue: r.2,
            id: r.3,
            connection: r.4,
            market: r.5,
            side: r.6,
            size: r.7,
            entry: r.8,
            current_value: r.9,
            pnl: r.10,
            leverage: r.11,
            margin: r.12,
            distance_to_liquidation: r.13,
            at_risk: true,
            status: r.14,
            finalizing: r.15 != 0,
            closed: false,
            last_event_type: r.16,
            updated_at: from_ms(r.17),
        })
        .collect();
    // The aggregate's order is the subquery's in practice, not by contract: sort (stably).
    out.sort_by_key(|p| std::cmp::Reverse(p.updated_at));
    Ok(out)
}

fn intent_row(r: &SqliteRow) -> Result<IntentView, StoreError> {
    Ok(IntentView {
        connection: r.try_get("connection")?,
        id: r.try_get("id")?,
        status: r.try_get("status")?,
        proof_status: r.try_get("proof_status")?,
        solver: r.try_get("solver")?,
        from_chain: r.try_get("from_chain")?,
        to_chain: r.try_get("to_chain")?,
        amount: r.try_get("amount")?,
        htlc_state: r.try_get::<Option<String>, _>("htlc_state")?.map(json),
        tx_hashes: r.try_get::<Option<String>, _>("tx_hashes")?.map(json),
        error: r.try_get("error")?,
        failure_reason: r.try_get("failure_reason")?,
        terminal: r.try_get("terminal")?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

impl Store {
    /// Every entity's state, to seed the reducer at start-up so ordering survives restarts.
    pub async fn load_entities(&self) -> Result<Vec<EntityState>, StoreError> {
        let rows = sqlx::query(
            "SELECT venue, kind, id, connection, gateway, status, finalizing, terminal, stale, \
             last_event_type, updated_at, first_seen_at, events_applied, data FROM entities",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                let gateway: String = r.try_get("gateway")?;
                let connection: String = r.try_get("connection")?;
                Ok(EntityState {
                    key: EntityKey {
                        venue: r.try_get("venue")?,
                        entity: EntityRef::new(
                            parse_kind("entities", &kind)?,
                            r.try_get::<String, _>("id")?,
                        ),
                    },
                    connection: ConnectionId::new(connection),
                    gateway: parse_gateway("entities", &gateway)?,
                    status: r.try_get("status")?,
                    finalizing: r.try_get("finalizing")?,
                    terminal: r.try_get("terminal")?,
                    last_event_type: r.try_get("last_event_type")?,
                    updated_at: from_ms(r.try_get("updated_at")?),
                    first_seen_at: from_ms(r.try_get("first_seen_at")?),
                    events_applied: u64::try_from(r.try_get::<i64, _>("events_applied")?)
                        .unwrap_or(0),
                    stale: r.try_get("stale")?,
                    data: json(packed::unpack(r.try_get("data")?, "entities.data")?),
                })
            })
            .collect()
    }

    /// Positions, newest update first.
    pub async fn positions(&self, f: &PositionFilter) -> Result<Vec<PositionView>, StoreError> {
        let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(format!(
            "{POSITION_JSON} (SELECT {POSITION_COLUMNS} FROM positions WHERE 1=1"
        ));
        if let Some(v) = &f.venue {
            qb.push(" AND venue = ").push_bind(v.clone());
        }
        if let Some(id) = &f.id {
            qb.push(" AND id = ").push_bind(id.clone());
        }
        if let Some(s) = &f.status {
            qb.push(" AND status = ").push_bind(s.clone());
        }
        if let Some(r) = f.at_risk {
            qb.push(" AND at_risk = ").push_bind(r);
        }
        if let Some(open) = f.open {
            qb.push(" AND closed = ").push_bind(!open);
        }
        qb.push(" ORDER BY updated_at DESC LIMIT ")
            .push_bind(clamp_limit(f.limit, 500, 100_000))
            .push(")");
        let (packed,): (String,) = qb.build_query_as().fetch_one(&self.pool).await?;
        position_rows(&packed)
    }

    /// Open positions flagged at risk, newest update first.
    pub async fn positions_at_risk(&self) -> Result<Vec<PositionView>, StoreError> {
        // One scan of the covering partial index `entities_risk` (fourth migration): the
        // writer stored each row's JSON; only `stale` and the first-seen time are read
        // beside it. Every write sets `risk_row` while a position is at risk and open; should
        // a row lack it anyway, the count tells and the view answers instead.
        let (rows, with_row, packed): (i64, i64, String) = sqlx::query_as(
            "SELECT count(*), count(risk_row), \
             '[' || coalesce(group_concat(row, ','), '') || ']' FROM \
             (SELECT risk_row, '[' || stale || ',' || first_seen_at || ',' || risk_row || ']' \
              AS row FROM entities INDEXED BY entities_risk \
              WHERE kind = 'position' AND at_risk = 1 AND closed = 0 \
              ORDER BY updated_at DESC)",
        )
        .fetch_one(&self.pool)
        .await?;
        if rows != with_row {
            tracing::warn!(
                rows,
                with_row,
                "positions at risk without a stored row; reading them from the view"
            );
            let f = PositionFilter {
                at_risk: Some(true),
                open: Some(true),
                limit: Some(100_000),
                ..Default::default()
            };
            return self.positions(&f).await;
        }
        risk_rows(&packed)
    }

    /// One intent.
    pub async fn intent(&self, id: &str) -> Result<Option<IntentView>, StoreError> {
        let row = sqlx::query("SELECT * FROM intents WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(intent_row).transpose()
    }

    /// The newest `limit` intents by update time.
    pub async fn intents(&self, limit: u32) -> Result<Vec<IntentView>, StoreError> {
        let rows = sqlx::query("SELECT * FROM intents ORDER BY updated_at DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(intent_row).collect()
    }

    /// Every recorded status / proof-status change of one intent, oldest first.
    pub async fn intent_status_history(
        &self,
        id: &str,
    ) -> Result<Vec<IntentStatusChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT intent_id, status, proof_status, at, event_id, event_type \
             FROM intent_status_history WHERE intent_id = ? ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IntentStatusChange {
                    intent_id: r.try_get("intent_id")?,
                    status: r.try_get("status")?,
                    proof_status: r.try_get("proof_status")?,
                    at: from_ms(r.try_get("at")?),
                    event_id: r.try_get("event_id")?,
                    event_type: r.try_get("event_type")?,
                })
            })
            .collect()
    }

    /// Every Hashi lobby with its participants, newest update first.
    pub async fn lobbies(&self) -> Result<Vec<LobbyView>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.id, l.connection, l.code, l.participant_count, l.deleted, \
             l.last_event_type, l.updated_at, \
             (SELECT json_group_array(player_id) FROM (SELECT player_id FROM lobby_participants \
              WHERE lobby_id = l.id ORDER BY player_id)) AS participants \
             FROM lobbies l ORDER BY l.updated_at DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let participants: String = r.try_get("participants")?;
                Ok(LobbyView {
                    connection: r.try_get("connection")?,
                    id: r.try_get("id")?,
                    code: r.try_get("code")?,
                    participants: serde_json::from_str(&participants)?,
                    participant_count: r
                        .try_get::<Option<i64>, _>("participant_count")?
                        .and_then(|n| u64::try_from(n).ok()),
                    deleted: r.try_get("deleted")?,
                    last_event_type: r.try_get("last_event_type")?,
                    updated_at: from_ms(r.try_get("updated_at")?),
                })
            })
            .collect()
    }

    /// Hashi contracts, of one lobby or all, newest update first.
    pub async fn contracts(&self, lobby_id: Option<&str>) -> Result<Vec<ContractView>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM contracts WHERE ?1 IS NULL OR lobby_id = ?1 ORDER BY updated_at DESC",
        )
        .bind(lobby_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContractView {
                    connection: r.try_get("connection")?,
                    id: r.try_get("id")?,
                    lobby_id: r.try_get("lobby_id")?,
                    stage: r.try_get("stage")?,
                    terminal: r.try_get("terminal")?,
                    updated_at: from_ms(r.try_get("updated_at")?),
                })
            })
            .collect()
    }

    /// Hashi storage items, of one lobby or all, newest update first.
    pub async fn storage_items(
        &self,
        lobby_id: Option<&str>,
    ) -> Result<Vec<StorageItemView>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM storage_items WHERE ?1 IS NULL OR lobby_id = ?1 \
             ORDER BY updated_at DESC",
        )
        .bind(lobby_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StorageItemView {
                    connection: r.try_get("connection")?,
                    id: r.try_get("id")?,
                    contract_id: r.try_get("contract_id")?,
                    lobby_id: r.try_get("lobby_id")?,
                    player_id: r.try_get("player_id")?,
                    stage: r.try_get("stage")?,
                    terminal: r.try_get("terminal")?,
                    updated_at: from_ms(r.try_get("updated_at")?),
                })
            })
            .collect()
    }

    /// The newest `limit` events of one entity, returned in time order (oldest first).
    pub async fn entity_events(
        &self,
        kind: EntityKind,
        id: &str,
        limit: u32,
    ) -> Result<Vec<EventRow>, StoreError> {
        // The history index is keyed by id bucket first (`id >> 14`, see the third
        // migration): seek each bucket the log spans, newest `limit` by time from the
        // index alone, then read those rows.
        let rows = sqlx::query(&format!(
            "WITH RECURSIVE b(x) AS (\
               SELECT (SELECT coalesce(min(id), 0) FROM events) >> 14 \
               UNION ALL SELECT x + 1 FROM b \
               WHERE x < (SELECT coalesce(max(id), 0) FROM events) >> 14) \
             SELECT {EVENT_COLUMNS} FROM events WHERE id IN (\
               SELECT id FROM events WHERE (id >> 14) IN (SELECT x FROM b) \
               AND entity_kind = ?1 AND entity_id = ?2 \
               ORDER BY at DESC, id DESC LIMIT ?3) \
             ORDER BY at DESC, id DESC"
        ))
        .bind(kind.as_str())
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut out = rows.iter().map(event_row).collect::<Result<Vec<_>, _>>()?;
        out.reverse();
        Ok(out)
    }

    /// Events matching `filter`, newest first; page with [`EventFilter::before_id`].
    pub async fn events(&self, f: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
        let limit = clamp_limit(f.limit, 100, 10_000);
        let Some(text) = f.text.as_deref().filter(|t| !t.is_empty()) else {
            let mut qb = events_query(f, None, EVENT_COLUMNS);
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
            let rows = qb.build().fetch_all(&self.pool).await?;
            return rows.iter().map(event_row).collect();
        };
        // Payloads are compressed (see `packed`), so SQL can't search them: the newest
        // TEXT_SEARCH_WINDOW rows that pass the other filters are read in pages, newest
        // first, only their ids and payloads (a full row through sqlx costs several times
        // more), and each payload is searched here; then the matching rows are read whole.
        // Like SQL's LIKE, ASCII letters match either case.
        let needle = text.to_ascii_lowercase();
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let (max_id,): (i64,) = sqlx::query_as("SELECT coalesce(max(id), 0) FROM events")
            .fetch_one(&self.pool)
            .await?;
        let floor = max_id - TEXT_SEARCH_WINDOW;
        let mut hits: Vec<i64> = Vec::new();
        let mut cursor = f.before_id;
        'pages: loop {
            let mut qb = events_query(f, cursor, "id, payload");
            qb.push(" AND id > ")
                .push_bind(floor)
                .push(" ORDER BY id DESC LIMIT ")
                .push_bind(SEARCH_PAGE);
            let rows: Vec<(i64, Vec<u8>)> = qb.build_query_as().fetch_all(&self.pool).await?;
            let Some(&(last, _)) = rows.last() else { break };
            cursor = Some(last);
            let full = rows.len() as i64 == SEARCH_PAGE;
            for (id, payload) in rows {
                let mut bytes = packed::unpack_bytes(payload, "events.payload")?;
                bytes.make_ascii_lowercase();
                if finder.find(&bytes).is_some() {
                    hits.push(id);
                    if hits.len() as i64 >= limit {
                        break 'pages;
                    }
                }
            }
            if !full {
                break;
            }
        }
        let mut out = Vec::with_capacity(hits.len());
        for ids in hits.chunks(500) {
            let mut qb: QueryBuilder<'_, Sqlite> =
                QueryBuilder::new(format!("SELECT {EVENT_COLUMNS} FROM events WHERE id IN ("));
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(*id);
            }
            qb.push(") ORDER BY id DESC");
            for r in qb.build().fetch_all(&self.pool).await? {
                out.push(event_row(&r)?);
            }
        }
        Ok(out)
    }

    /// The newest `limit` alerts.
    pub async fn alerts(&self, limit: u32) -> Result<Vec<AlertRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM alerts ORDER BY at DESC, id LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let severity: String = r.try_get("severity")?;
                let gateway: String = r.try_get("gateway")?;
                let kind: Option<String> = r.try_get("entity_kind")?;
                Ok(AlertRow {
                    id: r.try_get("id")?,
                    severity: serde_json::from_value(Value::String(severity))?,
                    connection: r.try_get("connection")?,
                    gateway: parse_gateway("alerts", &gateway)?,
                    entity_kind: kind.map(|k| parse_kind("alerts", &k)).transpose()?,
                    entity_id: r.try_get("entity_id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    at: from_ms(r.try_get("at")?),
                    notified_os: r.try_get("notified_os")?,
                })
            })
            .collect()
    }

    /// The newest `limit` notifications.
    pub async fn notifications(&self, limit: u32) -> Result<Vec<NotificationRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM notifications ORDER BY updated_at DESC LIMIT ?")
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationRow {
                    venue: r.try_get("venue")?,
                    id: r.try_get("id")?,
                    connection: r.try_get("connection")?,
                    code: r.try_get("code")?,
                    message: r.try_get("message")?,
                    position_id: r.try_get("position_id")?,
                    updated_at: from_ms(r.try_get("updated_at")?),
                    payload: json(r.try_get("payload")?),
                })
            })
            .collect()
    }

    /// Every connection's state and counters.
    pub async fn connections(&self) -> Result<Vec<ConnectionRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM connections ORDER BY connection")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let gateway: String = r.try_get("gateway")?;
                let n = |c: &str| -> Result<u64, StoreError> {
                    Ok(u64::try_from(r.try_get::<i64, _>(c)?).unwrap_or(0))
                };
                Ok(ConnectionRow {
                    connection: r.try_get("connection")?,
                    gateway: parse_gateway("connections", &gateway)?,
                    environment: r.try_get("environment")?,
                    state: json(r.try_get("state")?),
                    frames_in: n("frames_in")?,
                    frames_out: n("frames_out")?,
                    events: n("events")?,
                    decode_errors: n("decode_errors")?,
                    duplicates: n("duplicates")?,
                    reconnects: n("reconnects")?,
                    last_event_at: r.try_get::<Option<i64>, _>("last_event_at")?.map(from_ms),
                    updated_at: from_ms(r.try_get("updated_at")?),
                })
            })
            .collect()
    }

    /// How many events the log holds.
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM events")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}
