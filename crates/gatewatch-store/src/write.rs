//! [`Store::write_batch`]: one transaction per batch.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::task::Poll;

use chrono::{DateTime, Utc};
use gatewatch_core::redact;
use gatewatch_core::reduce::{Applied, EntityKey, EntityState};
use gatewatch_core::{EntityKind, Event, Frame};
use serde_json::Value;
use sqlx::Connection as _;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::model::{AlertRow, BatchReport, ConnectionRow, EventOutcome, WriteBatch};
use crate::packed::{self, Packed};
use crate::project::{self, ColValue};
use crate::{ms, Store, StoreError};
use gatewatch_core::views::{ContractView, IntentView, PositionView, StorageItemView};

/// Row counts multi-row statements are built for. sqlx caches prepared statements per
/// connection by SQL text, and preparing a multi-row statement of a few hundred rows costs
/// milliseconds: a statement sized to each batch's exact row count would be prepared anew
/// every batch. Splitting into these sizes keeps the set of SQL texts small and cached
/// (at most 13 parameters × 256 rows, far below SQLite's 32,766 limit).
const TIERS: [usize; 5] = [256, 64, 16, 4, 1];
/// Upserts (where writing a row twice is harmless) pad their last chunk up to this size by
/// repeating its last row rather than descending to the smallest tiers: fewer statements.
const PAD_TO: usize = 16;

/// `0..n` split into chunks of [`TIERS`] sizes, largest first: `(start, len)`. With `pad`,
/// a remainder below [`PAD_TO`] becomes one chunk to be padded to `PAD_TO` rows.
fn plan(n: usize, pad: bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    for tier in TIERS {
        if pad && tier < PAD_TO {
            break;
        }
        while n - at >= tier {
            out.push((at, tier));
            at += tier;
        }
    }
    if at < n {
        out.push((at, n - at));
    }
    out
}

/// The items of one planned chunk; padded chunks repeat their last row up to [`PAD_TO`].
fn chunk_rows<T>(items: &[T], (start, len): (usize, usize), pad: bool) -> impl Iterator<Item = &T> {
    let chunk = &items[start..start + len];
    let extra = if pad && len < PAD_TO { PAD_TO - len } else { 0 };
    chunk
        .iter()
        .chain(chunk.last().into_iter().cycle().take(extra))
}

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

/// JSON as it is written to the file. Connectors redact at the edge; this second pass makes
/// sure no secret reaches the file even if one slipped through. The text check is cheap and
/// borrows when there is nothing to remove; only then is the value redacted structurally.
pub(crate) fn payload_text(v: &Value) -> Result<String, StoreError> {
    let text = serde_json::to_string(v)?;
    if let Cow::Borrowed(_) = redact::redact_text(&text) {
        return Ok(text);
    }
    let mut v = v.clone();
    redact::redact_json(&mut v);
    Ok(serde_json::to_string(&v)?)
}

/// How the log stores an event's dedupe key (a BLOB in the `dedupe_key` column; TEXT
/// affinity keeps a BLOB a BLOB and the UNIQUE index compares bytes): 8 bytes of the time
/// the event says it was created (milliseconds, big-endian, sign bit flipped so the bytes
/// sort as the times do; zeros when it gives none), then the 128-bit xxh3 hash of the key.
///
/// Why the time first: the UNIQUE index is the log's largest, and hashes alone put every
/// insert on a random page of it — at 1,000,000 events a batch of 10,000 rewrote most of
/// its leaves (~2 KiB written per event, twice with the checkpoint). With the time first,
/// new keys land on the index's newest pages, where the other indexes already write. It
/// changes nothing about what is a duplicate: the time is part of the event. A key without
/// an event id hashes the payload, which holds the time; with one (Dimes `evt_…`), the
/// gateway redelivers *the same event*, `created_at` ("when the event was emitted")
/// included. Two different keys collide only with the same millisecond and the same 128-bit
/// hash. Older forms (the 16-byte hash alone, text before that) are still matched while the
/// log holds any (see `Store::legacy_keys`).
pub fn stored_key(dedupe_key: &str, created_at: Option<DateTime<Utc>>) -> [u8; 24] {
    let time = created_at.map_or(0, |t| (ms(t) as u64) ^ (1 << 63));
    let mut key = [0u8; 24];
    key[..8].copy_from_slice(&time.to_be_bytes());
    key[8..].copy_from_slice(&legacy_hash_key(dedupe_key));
    key
}

/// The form keys were stored in from 2026-12-01 until the time prefix: the 128-bit xxh3
/// hash alone. Still looked up while older rows hold it.
pub(crate) fn legacy_hash_key(dedupe_key: &str) -> [u8; 16] {
    key_hash(dedupe_key).to_be_bytes()
}

/// The insert of the new events `new_events[part]` (row id, index in `batch`), their
/// payloads serialized first (moved into the statement: sqlx would copy borrowed text for
/// its worker).
fn events_statement<'q>(
    batch: &'q WriteBatch,
    new_events: &[(i64, usize)],
    part: (usize, usize),
    payloads: &mut Payloads<'_>,
) -> Result<QueryBuilder<'q, Sqlite>, StoreError> {
    let (start, len) = part;
    payloads.fill_to(new_events[start + len - 1].1 + 1)?;
    let mut qb: QueryBuilder<'q, Sqlite> = QueryBuilder::new(
        // OR IGNORE: a row whose dedupe key the log already holds is skipped (found by the
        // caller). Nothing else can conflict (the ids are past max(id), every NOT NULL value
        // is always given), and a statement that can't ABORT needs no statement journal (a
        // copy of every page it touches). Any error still rolls the whole transaction back.
        "INSERT OR IGNORE INTO events (id, dedupe_key, connection, gateway, event_type, \
         external_id, entity_kind, entity_id, severity, created_at, received_at, at, \
         applied, payload) ",
    );
    let rows = chunk_rows(new_events, part, false)
        .map(|&(id, i)| {
            let payload = std::mem::replace(&mut payloads.text[i], Packed::Text(String::new()));
            (id, i, payload)
        })
        .collect::<Vec<_>>();
    qb.push_values(rows, |mut b, (id, i, payload)| {
        let be = &batch.events[i];
        let e = &be.event;
        b.push_bind(id)
            .push_bind(stored_key(&e.dedupe_key, e.created_at).to_vec())
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
            .push_bind(payload);
    });
    Ok(qb)
}

/// What a window remembers of each dedupe key it has seen: the 128-bit xxh3 hash (two keys
/// share one with probability ~n²/2¹²⁹), so the batches holding the keys can go.
fn key_hash(dedupe_key: &str) -> u128 {
    xxhash_rust::xxh3::xxh3_128(dedupe_key.as_bytes())
}

/// Run a statement on the connection's worker thread while this thread does `prep`.
///
/// sqlx hands every statement to a worker thread and the caller waits; polling the
/// statement's future once sends it, so CPU work done before awaiting the answer (serializing
/// the next rows) runs in parallel with SQLite instead of after it.
async fn overlap<F: Future, T>(statement: F, prep: impl FnOnce() -> T) -> (F::Output, T) {
    let mut statement = std::pin::pin!(statement);
    let first = std::future::poll_fn(|cx| Poll::Ready(statement.as_mut().poll(cx))).await;
    let done = prep();
    let out = match first {
        Poll::Ready(out) => out,
        Poll::Pending => statement.await,
    };
    (out, done)
}

/// The batch's payloads as written to the file, serialized in order and on demand: each
/// statement's [`overlap`] serializes the rows of the statements after it.
struct Payloads<'a> {
    batch: &'a WriteBatch,
    text: Vec<Packed>,
}

impl Payloads<'_> {
    /// Serialize every payload before `upto` (clamped to the batch).
    fn fill_to(&mut self, upto: usize) -> Result<(), StoreError> {
        let upto = upto.min(self.batch.events.len());
        while self.text.len() < upto {
            let i = self.text.len();
            let text = payload_text(&self.batch.events[i].event.payload)?;
            self.text.push(packed::pack(text)?);
        }
        Ok(())
    }
}

/// Where the batches after the first of a [`Store::write_window`] come from.
pub trait BatchSource {
    /// The next batch to add to the open transaction, or `None` to commit what it holds.
    fn next_batch(&mut self) -> impl Future<Output = Option<WriteBatch>> + Send;
}

/// Batches already made, handed over in order.
impl BatchSource for std::collections::VecDeque<WriteBatch> {
    async fn next_batch(&mut self) -> Option<WriteBatch> {
        self.pop_front()
    }
}

/// A window of one batch ([`Store::write_batch`]).
struct NoMore;

impl BatchSource for NoMore {
    async fn next_batch(&mut self) -> Option<WriteBatch> {
        None
    }
}

/// The entity states a window will write: the last one per entity (a later state of the
/// same entity supersedes an earlier one, as the reducer produced them in order), with the
/// event row that carried it. The first batch's are borrowed; later batches' are moved in,
/// so their batches can go.
type Finals<'a> = HashMap<EntityKey, (Cow<'a, EntityState>, Option<i64>)>;

impl BatchReport {
    /// Add a later batch's report of the same window.
    fn absorb(&mut self, other: BatchReport) {
        self.outcomes.extend(other.outcomes);
        self.inserted += other.inserted;
        self.duplicates += other.duplicates;
        self.entities_written += other.entities_written;
        self.entities_refused += other.entities_refused;
        self.frames += other.frames;
        self.alerts += other.alerts;
        self.last_event_id = other.last_event_id.or(self.last_event_id);
    }
}

impl Store {
    /// Write one batch in ONE transaction: events (a dedupe key already stored makes the
    /// event a duplicate: counted, not stored), the entity states of the events that were
    /// stored (guarded: a state never replaces a newer or terminal one), candles and mempool
    /// stats carried by events, frames, alerts and connection rows. All or nothing.
    pub async fn write_batch(&self, batch: &WriteBatch) -> Result<BatchReport, StoreError> {
        self.write_window(batch, &mut NoMore).await
    }

    /// Write `first` and then every batch `more` hands over, in ONE transaction, until it
    /// hands over none; the report covers them all, outcomes in order. The result is
    /// exactly that of [`Store::write_batch`] of one batch holding all their events, frames,
    /// alerts and connection rows in order (a test holds it to that), but the batches need
    /// not be in memory together. Each batch's events,
    /// frames, alerts and connection rows are written as it comes (and the batch dropped);
    /// the entity states wait for the commit, the last one per entity only. Under a flood
    /// this is what keeps the cost per event down (a transaction writes each page it
    /// dirtied once, and an entity updated in several batches is written once) without
    /// holding a big batch in memory. All or nothing: an error rolls everything back.
    pub async fn write_window<S: BatchSource + Send>(
        &self,
        first: &WriteBatch,
        more: &mut S,
    ) -> Result<BatchReport, StoreError> {
        if first.is_empty() {
            // Nothing opens a window; a source is never asked for more.
            return Ok(BatchReport::default());
        }
        if let Some(c) = self.checkpoint.as_deref().filter(|c| c.over_limit()) {
            c.restart(&self.pool).await;
        }
        // IMMEDIATE: take the write lock up front, so a reader-turned-writer can't deadlock
        // with another writer; the busy timeout makes concurrent writers queue.
        let mut conn = self.write_conn().await?;
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;

        let mut finals: Finals<'_> = HashMap::new();
        let mut seen = HashSet::with_capacity(first.events.len());
        let (mut report, last) = self.append(&mut tx, first, &mut seen).await?;
        for (i, event_id) in last {
            if let Some(state) = &first.events[i].state {
                finals.insert(state.key.clone(), (Cow::Borrowed(state), event_id));
            }
        }
        while let Some(mut batch) = more.next_batch().await {
            let (r, last) = self.append(&mut tx, &batch, &mut seen).await?;
            report.absorb(r);
            for (i, event_id) in last {
                if let Some(state) = batch.events[i].state.take() {
                    finals.insert(state.key.clone(), (Cow::Owned(state), event_id));
                }
            }
        }
        // In the order the events were stored, so a window writes the same statements
        // whatever the hash map's order.
        let mut states: Vec<(&EntityState, Option<i64>)> =
            finals.values().map(|(s, id)| (s.as_ref(), *id)).collect();
        states.sort_unstable_by_key(|&(_, id)| id);
        let written = upsert_entities(&mut tx, &states).await?;
        report.entities_written += written;
        report.entities_refused += states.len() as u64 - written;
        tx.commit().await?;
        if let Some(c) = &self.checkpoint {
            c.committed();
        }
        Ok(report)
    }

    /// Everything of one batch but its entity states, inside the open transaction: the
    /// events, the intent status history, candles and mempool stats, frames, alerts and
    /// connection rows. `seen` holds [`key_hash`] of every dedupe key of the window known to
    /// be stored already (in this transaction or, in a file with older key forms, before);
    /// an event whose key is there is a duplicate without being inserted. Returns its report
    /// (entity counts: only states refused because their event was a duplicate) and, per
    /// entity, the index of the batch's last event carrying a state of it, with that event's
    /// row id.
    async fn append(
        &self,
        tx: &mut SqliteConnection,
        batch: &WriteBatch,
        seen: &mut HashSet<u128>,
    ) -> Result<(BatchReport, Vec<(usize, Option<i64>)>), StoreError> {
        let mut report = BatchReport::default();
        if batch.is_empty() {
            return Ok((report, Vec::new()));
        }
        // Payloads are serialized while SQLite runs earlier statements (duplicates too:
        // cheaper than skipping them, and they are rare). The first statement's rows first.
        let mut payloads = Payloads {
            batch,
            text: Vec::with_capacity(batch.events.len()),
        };
        payloads.fill_to(TIERS[0])?;
        // Duplicates of events already in the log. A file from before keys had their time
        // prefix may still hold older forms (a hash alone, or text), which the UNIQUE index
        // can't match against today's: there, look every key up first (an indexed lookup
        // each, both older spellings), as before.
        // Otherwise the insert itself finds them (`OR IGNORE` on the UNIQUE key, below):
        // the look-up was a second seek into the log's largest index for every event and
        // 16 bytes bound per event, to find what is almost never there.
        if self.legacy_keys.load(Ordering::Relaxed) {
            self.legacy_lookup(tx, batch, &mut payloads, seen).await?;
        }

        // Candidates in batch order: the first event with a key not known to be stored gets
        // the next rowid, assigned here (explicitly, so no `RETURNING` stream is needed to
        // learn it); any later event with the same key (a duplicate within the batch) is not
        // inserted.
        let (max_id,): (i64,) = sqlx::query_as("SELECT coalesce(max(id), 0) FROM events")
            .fetch_one(&mut *tx)
            .await?;
        let mut next_id = max_id;
        let mut event_ids: Vec<Option<i64>> = Vec::with_capacity(batch.events.len());
        let mut new_events: Vec<(i64, usize)> = Vec::with_capacity(batch.events.len());
        for (i, be) in batch.events.iter().enumerate() {
            if seen.insert(key_hash(&be.event.dedupe_key)) {
                next_id += 1;
                event_ids.push(Some(next_id));
                new_events.push((next_id, i));
            } else {
                event_ids.push(None);
            }
        }
        // Each statement runs while the next one is built (its payloads serialized, its
        // values bound): SQLite and this thread work side by side.
        let parts = plan(new_events.len(), false);
        let mut next = parts
            .first()
            .map(|&part| events_statement(batch, &new_events, part, &mut payloads))
            .transpose()?;
        for n in 0..parts.len() {
            let Some(mut qb) = next.take() else { break };
            let following = parts.get(n + 1).copied();
            let (done, built) = overlap(qb.build().execute(&mut *tx), || {
                following
                    .map(|part| events_statement(batch, &new_events, part, &mut payloads))
                    .transpose()
            })
            .await;
            done?;
            next = built?;
        }
        // Which candidates the log already had: their rows were ignored. Usually none, which
        // one count over the batch's own rowid range (appended, so hot) confirms; otherwise
        // the ids that went in say which.
        if !new_events.is_empty() {
            let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM events WHERE id > ?")
                .bind(max_id)
                .fetch_one(&mut *tx)
                .await?;
            if usize::try_from(stored).ok() != Some(new_events.len()) {
                let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM events WHERE id > ?")
                    .bind(max_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let ids: HashSet<i64> = ids.into_iter().map(|(id,)| id).collect();
                for &(id, i) in &new_events {
                    if !ids.contains(&id) {
                        event_ids[i] = None;
                    }
                }
            }
        }
        for id in &event_ids {
            if let Some(id) = *id {
                report.outcomes.push(EventOutcome::Inserted { id });
                report.inserted += 1;
                report.last_event_id = Some(id);
            } else {
                report.outcomes.push(EventOutcome::Duplicate);
                report.duplicates += 1;
            }
        }

        // Entity states: the last state per entity in the batch is the one to keep; every
        // intent state still counts for the status history.
        let mut last: HashMap<(&str, EntityKind, &str), usize> = HashMap::new();
        let mut intent_states: Vec<(&EntityState, &Event, i64)> = Vec::new();
        for (i, be) in batch.events.iter().enumerate() {
            let Some(state) = &be.state else { continue };
            let Some(event_id) = event_ids[i] else {
                // The reducer applied an event the log already had (e.g. after a restart
                // that lost its in-memory dedupe set): don't apply it twice.
                report.entities_refused += 1;
                continue;
            };
            if state.key.entity.kind == EntityKind::Intent {
                intent_states.push((state, &be.event, event_id));
            }
            // A later state of the same entity supersedes an earlier one.
            let key = (
                state.key.venue.as_str(),
                state.key.entity.kind,
                state.key.entity.id.as_str(),
            );
            last.insert(key, i);
        }
        insert_intent_history(&mut *tx, &intent_states).await?;
        let mut finals: Vec<(usize, Option<i64>)> =
            last.into_values().map(|i| (i, event_ids[i])).collect();
        finals.sort_unstable();

        // Data carried by events rather than entities.
        for (i, be) in batch.events.iter().enumerate() {
            let Some(event_id) = event_ids[i] else {
                continue;
            };
            match be.event.event_type.as_str() {
                "historical_data_update" => insert_candles(&mut *tx, &be.event).await?,
                "mempool:stats" => insert_mempool(&mut *tx, &be.event, event_id).await?,
                _ => {}
            }
        }

        for (start, len) in plan(batch.frames.len(), false) {
            insert_frames(&mut *tx, &batch.frames[start..start + len]).await?;
            report.frames += len as u64;
        }
        for alert in &batch.alerts {
            upsert_alert(&mut *tx, alert).await?;
            report.alerts += 1;
        }
        for row in &batch.connections {
            upsert_connection(&mut *tx, row).await?;
        }
        Ok((report, finals))
    }

    /// Files that still hold dedupe keys of an older form: look each of the batch's keys
    /// up as its bare hash and as its text, and add the ones the log holds to `seen`. Payloads are
    /// serialized while SQLite runs the look-ups.
    async fn legacy_lookup(
        &self,
        tx: &mut SqliteConnection,
        batch: &WriteBatch,
        payloads: &mut Payloads<'_>,
        seen: &mut HashSet<u128>,
    ) -> Result<(), StoreError> {
        let mut keys: Vec<([u8; 16], &str)> = batch
            .events
            .iter()
            .map(|e| {
                (
                    legacy_hash_key(&e.event.dedupe_key),
                    e.event.dedupe_key.as_str(),
                )
            })
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let parts = plan(keys.len(), true);
        // Spread the payloads over the look-ups: a statement's worth each.
        let per_part = batch.events.len().div_ceil(parts.len().max(1));
        for part in parts {
            let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
                "SELECT CAST(dedupe_key AS BLOB) FROM events WHERE dedupe_key IN (",
            );
            let mut sep = qb.separated(", ");
            for (k, _) in chunk_rows(&keys, part, true) {
                sep.push_bind(&k[..]);
            }
            for (_, text) in chunk_rows(&keys, part, true) {
                sep.push_bind(*text);
            }
            qb.push(")");
            let upto = payloads.text.len() + per_part;
            let (found, filled) = overlap(
                qb.build_query_as::<(Vec<u8>,)>().fetch_all(&mut *tx),
                || payloads.fill_to(upto),
            )
            .await;
            filled?;
            for (k,) in found? {
                // A hash, or (read as its bytes) a legacy text key.
                let hit = <[u8; 16]>::try_from(k.as_slice())
                    .ok()
                    .and_then(|h| keys.binary_search_by(|(kh, _)| kh.cmp(&h)).ok())
                    .map(|i| keys[i].1)
                    .or_else(|| {
                        let text = std::str::from_utf8(&k).ok()?;
                        keys.iter().find(|(_, t)| *t == text).map(|(_, t)| *t)
                    });
                if let Some(key) = hit {
                    seen.insert(key_hash(key));
                }
            }
        }
        Ok(())
    }

    /// Write one connection's state and counters.
    pub async fn upsert_connection(&self, row: &ConnectionRow) -> Result<(), StoreError> {
        let mut conn = self.write_conn().await?;
        upsert_connection(&mut conn, row).await
    }
}

/// One entity state on its way to the file.
struct Pending<'a> {
    state: &'a EntityState,
    /// `state.data` serialized and compressed once.
    data: Packed,
    event_id: Option<i64>,
    typed: Typed,
}

impl<'a> Pending<'a> {
    /// Serialize and project one state.
    fn of((state, event_id): (&'a EntityState, Option<i64>)) -> Result<Self, StoreError> {
        Ok(Pending {
            state,
            data: packed::pack(payload_text(&state.data)?)?,
            event_id,
            typed: Typed::of(state)?,
        })
    }
}

/// The typed columns an entity's row carries besides the reducer's state (see the third
/// migration: the typed tables are views of `entities`).
enum Typed {
    /// A position and, while it is open and at risk, its row as the at-risk read returns it.
    Position(Box<PositionView>, Option<String>),
    Intent {
        view: Box<IntentView>,
        htlc: Option<String>,
        txs: Option<String>,
    },
    Contract(ContractView),
    Storage(StorageItemView),
    /// Markets, strategies, proofs: a few columns read leniently from `data`.
    Simple(&'static [project::Col], Vec<ColValue>),
    /// No typed columns of its own; lobbies and notifications keep side tables.
    Plain,
}

impl Typed {
    fn of(state: &EntityState) -> Result<Typed, StoreError> {
        Ok(match state.key.entity.kind {
            EntityKind::Position => {
                let view = project::position(state);
                let risk = (view.at_risk && !view.closed)
                    .then(|| risk_row(&view, state))
                    .transpose()?;
                Typed::Position(Box::new(view), risk)
            }
            EntityKind::Intent => {
                let view = project::intent(state);
                let htlc = view.htlc_state.as_ref().map(payload_text).transpose()?;
                let txs = view.tx_hashes.as_ref().map(payload_text).transpose()?;
                Typed::Intent {
                    view: Box::new(view),
                    htlc,
                    txs,
                }
            }
            EntityKind::Contract => Typed::Contract(project::contract(state)),
            EntityKind::StorageItem => Typed::Storage(project::storage_item(state)),
            EntityKind::Market | EntityKind::Strategy | EntityKind::Proof => {
                match project::simple_table(state.key.entity.kind) {
                    Some((_, cols)) => {
                        Typed::Simple(cols, cols.iter().map(|c| c.read(&state.data)).collect())
                    }
                    None => Typed::Plain,
                }
            }
            _ => Typed::Plain,
        })
    }

    /// The family of a kind's rows, known without projecting them: rows of one family share
    /// one statement shape (the same typed columns). Mirrors [`Typed::of`]: a kind without
    /// a simple table is `Plain`.
    fn family_of(kind: EntityKind) -> usize {
        match (kind, project::simple_table(kind)) {
            (EntityKind::Position, _) => 0,
            (EntityKind::Intent, _) => 1,
            (EntityKind::Contract, _) => 2,
            (EntityKind::StorageItem, _) => 3,
            (EntityKind::Market, Some(_)) => 4,
            (EntityKind::Strategy, Some(_)) => 5,
            (EntityKind::Proof, Some(_)) => 6,
            _ => 7,
        }
    }

    /// The `entities` columns this row's family writes.
    fn columns(&self) -> Vec<&'static str> {
        match self {
            Typed::Position(..) => vec![
                "shown_status",
                "market",
                "side",
                "size",
                "entry",
                "current_value",
                "pnl",
                "leverage",
                "margin",
                "distance_to_liquidation",
                "at_risk",
                "closed",
                "risk_row",
            ],
            Typed::Intent { .. } => vec![
                "shown_status",
                "proof_status",
                "solver",
                "from_chain",
                "to_chain",
                "amount",
                "htlc_state",
                "tx_hashes",
                "error",
                "failure_reason",
            ],
            Typed::Contract(_) => vec!["lobby_id"],
            Typed::Storage(_) => vec!["contract_id", "lobby_id", "player_id"],
            Typed::Simple(cols, _) => cols.iter().map(|c| c.name()).collect(),
            Typed::Plain => Vec::new(),
        }
    }

    /// Bind the values of [`Typed::columns`], in that order (moved, not copied).
    fn bind(self, b: &mut sqlx::query_builder::Separated<'_, '_, Sqlite, &'static str>) {
        match self {
            Typed::Position(v, risk) => {
                let v = *v;
                b.push_bind(v.status)
                    .push_bind(v.market)
                    .push_bind(v.side)
                    .push_bind(v.size)
                    .push_bind(v.entry)
                    .push_bind(v.current_value)
                    .push_bind(v.pnl)
                    .push_bind(v.leverage)
                    .push_bind(v.margin)
                    .push_bind(v.distance_to_liquidation)
                    .push_bind(v.at_risk)
                    .push_bind(v.closed)
                    .push_bind(risk);
            }
            Typed::Intent { view: v, htlc, txs } => {
                let v = *v;
                b.push_bind(v.status)
                    .push_bind(v.proof_status)
                    .push_bind(v.solver)
                    .push_bind(v.from_chain)
                    .push_bind(v.to_chain)
                    .push_bind(v.amount)
                    .push_bind(htlc)
                    .push_bind(txs)
                    .push_bind(v.error)
                    .push_bind(v.failure_reason);
            }
            Typed::Contract(v) => {
                b.push_bind(v.lobby_id);
            }
            Typed::Storage(v) => {
                b.push_bind(v.contract_id)
                    .push_bind(v.lobby_id)
                    .push_bind(v.player_id);
            }
            Typed::Simple(_, values) => {
                for v in values {
                    match v {
                        ColValue::Text(v) => b.push_bind(v),
                        ColValue::Real(v) => b.push_bind(v),
                        ColValue::Bool(v) => b.push_bind(v),
                    };
                }
            }
            Typed::Plain => {}
        }
    }
}

/// The `risk_row` column of an open position at risk: the elements of a JSON array (no
/// brackets) in the order `read::RiskRow` reads them, the same values the typed columns get
/// (see the fourth migration). serde_json writes each f64 so that it parses back exactly.
fn risk_row(v: &PositionView, state: &EntityState) -> Result<String, StoreError> {
    let row = serde_json::to_string(&(
        &v.venue,
        &v.id,
        &v.connection,
        &v.market,
        &v.side,
        v.size,
        v.entry,
        v.current_value,
        v.pnl,
        v.leverage,
        v.margin,
        v.distance_to_liquidation,
        &v.status,
        i64::from(state.finalizing),
        &state.last_event_type,
        ms(state.updated_at),
    ))?;
    Ok(row[1..row.len() - 1].to_owned())
}

/// Upsert one entity state, guarded; returns whether it was written.
pub(crate) async fn upsert_entity(
    conn: &mut SqliteConnection,
    state: &EntityState,
    event_id: Option<i64>,
) -> Result<bool, StoreError> {
    Ok(upsert_entities(conn, &[(state, event_id)]).await? == 1)
}

/// Whether a kind keeps a side table that must follow its accepted states.
fn has_side_table(kind: EntityKind) -> bool {
    matches!(kind, EntityKind::Lobby | EntityKind::Notification)
}

/// Upsert `entities` rows (the reducer's state and the typed columns, one row per entity)
/// in multi-row statements, guarded; then the side tables of accepted lobby and
/// notification states. Keys must be distinct. Returns how many were written.
pub(crate) async fn upsert_entities(
    conn: &mut SqliteConnection,
    states: &[(&EntityState, Option<i64>)],
) -> Result<u64, StoreError> {
    let mut families: [Vec<usize>; 8] = Default::default();
    let mut side = Vec::new();
    for (i, (state, _)) in states.iter().enumerate() {
        let kind = state.key.entity.kind;
        if has_side_table(kind) {
            side.push(i);
        } else {
            families[Typed::family_of(kind)].push(i);
        }
    }
    // Every statement: its family's rows, in chunks. No padding here: a repeated row would
    // count twice in `rows_affected`.
    let chunks: Vec<&[usize]> = families
        .iter()
        .flat_map(|rows| {
            plan(rows.len(), false)
                .into_iter()
                .map(move |(start, len)| &rows[start..start + len])
        })
        .collect();
    let build = |chunk: Option<&&[usize]>| -> Result<Option<QueryBuilder<'_, Sqlite>>, StoreError> {
        let Some(rows) = chunk else { return Ok(None) };
        let rows = rows
            .iter()
            .map(|&i| Pending::of(states[i]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(upsert_statement(rows))
    };
    let mut written = 0;
    // Each statement runs while the next one is built (its rows serialized and projected,
    // its values bound).
    let mut next = build(chunks.first())?;
    for n in 0..chunks.len() {
        let Some(mut qb) = next.take() else { break };
        let (done, built) =
            overlap(qb.build().execute(&mut *conn), || build(chunks.get(n + 1))).await;
        written += done?.rows_affected();
        next = built?;
    }
    // Rare kinds with side tables: one at a time, so each verdict is known.
    for &i in &side {
        let p = Pending::of(states[i])?;
        let state = p.state;
        if upsert_chunk(conn, vec![p]).await? == 1 {
            written += 1;
            match state.key.entity.kind {
                EntityKind::Lobby => upsert_lobby(conn, state).await?,
                _ => upsert_notification(conn, state, &payload_text(&state.data)?).await?,
            }
        }
    }
    Ok(written)
}

/// One guarded multi-row upsert of rows of one family; returns the rows written.
async fn upsert_chunk(
    conn: &mut SqliteConnection,
    rows: Vec<Pending<'_>>,
) -> Result<u64, StoreError> {
    let Some(mut qb) = upsert_statement(rows) else {
        return Ok(0);
    };
    Ok(qb.build().execute(&mut *conn).await?.rows_affected())
}

/// The guarded multi-row upsert of rows of one family (`None` without rows). The rows' own
/// strings (the serialized `data`, the projected columns) move into the statement: sqlx
/// copies every borrowed string it hands to its worker thread.
fn upsert_statement(rows: Vec<Pending<'_>>) -> Option<QueryBuilder<'_, Sqlite>> {
    let first = rows.first()?;
    let typed_cols = first.typed.columns();
    let mut head = String::from(
        // OR FAIL: no statement journal (see the events insert); the upsert clause still
        // handles the key conflict.
        "INSERT OR FAIL INTO entities (venue, kind, id, connection, gateway, status, rank, \
         finalizing, terminal, stale, last_event_type, updated_at, first_seen_at, \
         events_applied, last_event_id, data",
    );
    for c in &typed_cols {
        head.push_str(", ");
        head.push_str(c);
    }
    head.push_str(") ");
    let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(head);
    qb.push_values(rows, |mut b, p| {
        let s = p.state;
        b.push_bind(s.key.venue.as_str())
            .push_bind(s.key.entity.kind.as_str())
            .push_bind(s.key.entity.id.as_str())
            .push_bind(s.connection.as_str())
            .push_bind(s.gateway.as_str())
            .push_bind(s.status.as_deref())
            .push_bind(project::rank(s))
            .push_bind(s.finalizing)
            .push_bind(s.terminal)
            .push_bind(s.stale)
            .push_bind(s.last_event_type.as_str())
            .push_bind(ms(s.updated_at))
            .push_bind(ms(s.first_seen_at))
            .push_bind(i64::try_from(s.events_applied).unwrap_or(i64::MAX))
            .push_bind(p.event_id)
            .push_bind(p.data);
        p.typed.bind(&mut b);
    });
    // The guard: never leave a terminal state for a non-terminal one, and otherwise
    // compare status rank first, then the update time, as the reducer does.
    qb.push(
        " ON CONFLICT (kind, id, venue) DO UPDATE SET connection = excluded.connection, \
         gateway = excluded.gateway, status = excluded.status, rank = excluded.rank, \
         finalizing = excluded.finalizing, terminal = excluded.terminal, \
         stale = excluded.stale, last_event_type = excluded.last_event_type, \
         updated_at = excluded.updated_at, \
         first_seen_at = min(entities.first_seen_at, excluded.first_seen_at), \
         events_applied = max(entities.events_applied, excluded.events_applied), \
         last_event_id = coalesce(excluded.last_event_id, entities.last_event_id), \
         data = excluded.data",
    );
    for c in &typed_cols {
        qb.push(format_args!(", {c} = excluded.{c}"));
    }
    qb.push(
        " WHERE NOT (entities.terminal = 1 AND excluded.terminal = 0) \
         AND (excluded.rank > entities.rank OR (excluded.rank = entities.rank \
              AND excluded.updated_at >= entities.updated_at))",
    );
    Some(qb)
}

/// A notification's row (its own table: shown with its payload as is).
async fn upsert_notification(
    conn: &mut SqliteConnection,
    s: &EntityState,
    data: &str,
) -> Result<(), StoreError> {
    let Some((_, cols)) = project::simple_table(EntityKind::Notification) else {
        return Ok(());
    };
    let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
        "INSERT OR REPLACE INTO notifications (venue, id, connection, status, updated_at, \
         payload",
    );
    for c in cols {
        qb.push(", ").push(c.name());
    }
    qb.push(") ");
    let values: Vec<ColValue> = cols.iter().map(|c| c.read(&s.data)).collect();
    qb.push_values(std::iter::once(()), |mut b, ()| {
        b.push_bind(s.key.venue.as_str())
            .push_bind(s.key.entity.id.as_str())
            .push_bind(s.connection.as_str())
            .push_bind(s.status.as_deref())
            .push_bind(ms(s.updated_at))
            .push_bind(data);
        for v in &values {
            match v {
                ColValue::Text(v) => b.push_bind(v.as_deref()),
                ColValue::Real(v) => b.push_bind(*v),
                ColValue::Bool(v) => b.push_bind(*v),
            };
        }
    });
    qb.build().execute(&mut *conn).await?;
    Ok(())
}

/// A lobby and its participant set (rare enough to write one at a time).
async fn upsert_lobby(conn: &mut SqliteConnection, state: &EntityState) -> Result<(), StoreError> {
    let v = project::lobby(state);
    sqlx::query(
        "INSERT INTO lobbies (id, connection, code, participant_count, deleted, \
         last_event_type, updated_at) VALUES (?,?,?,?,?,?,?) \
         ON CONFLICT (id) DO UPDATE SET connection = excluded.connection, \
         code = coalesce(excluded.code, lobbies.code), \
         participant_count = excluded.participant_count, deleted = excluded.deleted, \
         last_event_type = excluded.last_event_type, updated_at = excluded.updated_at",
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
    .execute(&mut *conn)
    .await?;
    // The view's participant list is the entity's current set: replace, don't append.
    sqlx::query("DELETE FROM lobby_participants WHERE lobby_id = ?")
        .bind(&v.id)
        .execute(&mut *conn)
        .await?;
    for player in &v.participants {
        sqlx::query("INSERT OR IGNORE INTO lobby_participants (lobby_id, player_id) VALUES (?,?)")
            .bind(&v.id)
            .bind(player)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Record each intent status / proof-status change (a state equal to the intent's last
/// recorded one adds nothing), in batch order.
async fn insert_intent_history(
    conn: &mut SqliteConnection,
    states: &[(&EntityState, &Event, i64)],
) -> Result<(), StoreError> {
    if states.is_empty() {
        return Ok(());
    }
    let views: Vec<_> = states
        .iter()
        .map(|&(s, e, id)| (project::intent(s), e, id))
        .collect();
    let mut ids: Vec<&str> = views.iter().map(|(v, _, _)| v.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    type Last = (Option<String>, Option<String>);
    let mut last: HashMap<String, Last> = HashMap::with_capacity(ids.len());
    for part in plan(ids.len(), true) {
        let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "SELECT intent_id, status, proof_status FROM intent_status_history WHERE id IN \
             (SELECT max(id) FROM intent_status_history WHERE intent_id IN (",
        );
        let mut sep = qb.separated(", ");
        for id in chunk_rows(&ids, part, true) {
            sep.push_bind(*id);
        }
        qb.push(") GROUP BY intent_id)");
        let rows: Vec<(String, Option<String>, Option<String>)> =
            qb.build_query_as().fetch_all(&mut *conn).await?;
        last.extend(rows.into_iter().map(|(id, s, p)| (id, (s, p))));
    }
    let mut changes = Vec::new();
    for (v, e, event_id) in &views {
        let now = (v.status.clone(), v.proof_status.clone());
        if last.get(&v.id) != Some(&now) {
            last.insert(v.id.clone(), now);
            changes.push((v, *e, *event_id));
        }
    }
    for part in plan(changes.len(), false) {
        let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT INTO intent_status_history (intent_id, status, proof_status, at, event_id, \
             event_type) ",
        );
        qb.push_values(
            chunk_rows(&changes, part, false),
            |mut b, (v, e, event_id)| {
                b.push_bind(v.id.as_str())
                    .push_bind(v.status.as_deref())
                    .push_bind(v.proof_status.as_deref())
                    .push_bind(ms(e.effective_time()))
                    .push_bind(*event_id)
                    .push_bind(e.event_type.as_str());
            },
        );
        qb.build().execute(&mut *conn).await?;
    }
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
    let rows: Vec<(f64, &Value)> = candles
        .iter()
        .filter_map(|c| Some((project::num(c, &["time", "timestamp", "t"])?, c)))
        .collect();
    for part in plan(rows.len(), true) {
        let mut qb: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT OR REPLACE INTO candles (venue, symbol, timeframe, time, open, high, low, \
             close, volume) ",
        );
        qb.push_values(chunk_rows(&rows, part, true), |mut b, &(time, c)| {
            b.push_bind(event.gateway.venue())
                .push_bind(symbol.as_str())
                .push_bind(timeframe.as_str())
                .push_bind(time as i64)
                .push_bind(project::num(c, &["open", "o"]))
                .push_bind(project::num(c, &["high", "h"]))
                .push_bind(project::num(c, &["low", "l"]))
                .push_bind(project::num(c, &["close", "c"]))
                .push_bind(project::num(c, &["volume", "v"]));
        });
        qb.build().execute(&mut *conn).await?;
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
            .push_bind(redact::redact_text(&f.text));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row covered once, in order, in tier-sized chunks (plus one remainder).
    fn check(n: usize, pad: bool) {
        let p = plan(n, pad);
        let mut at = 0;
        for (i, &(start, len)) in p.iter().enumerate() {
            assert_eq!(start, at, "n={n}: chunks are contiguous");
            let last = i + 1 == p.len();
            let tiered = TIERS.contains(&len) && (!pad || len >= PAD_TO);
            assert!(
                tiered || (last && len < if pad { PAD_TO } else { 1 + 1 }),
                "n={n} pad={pad}: chunk of {len} is neither a tier nor the last remainder"
            );
            at += len;
        }
        assert_eq!(at, n, "n={n}: all rows covered");
    }

    #[test]
    fn plans_cover_every_row_in_a_few_cached_sizes() {
        for n in 0..1100 {
            check(n, false);
            check(n, true);
        }
        assert_eq!(
            plan(1000, false),
            [
                (0, 256),
                (256, 256),
                (512, 256),
                (768, 64),
                (832, 64),
                (896, 64),
                (960, 16),
                (976, 16),
                (992, 4),
                (996, 4)
            ]
        );
        assert_eq!(plan(21, true), [(0, 16), (16, 5)]);
        // Statement texts in play: one per tier, plus one padded remainder size.
        let sizes: HashSet<usize> = (0..5000)
            .flat_map(|n| plan(n, true))
            .map(|(_, l)| if l < PAD_TO { PAD_TO } else { l })
            .collect();
        assert_eq!(sizes.len(), 3);
    }

    #[test]
    fn padding_repeats_the_last_row_only_for_short_chunks() {
        let items: Vec<u32> = (0..21).collect();
        let p = plan(items.len(), true);
        let all: Vec<u32> = p
            .iter()
            .flat_map(|&c| chunk_rows(&items, c, true).copied())
            .collect();
        let mut want: Vec<u32> = (0..21).collect();
        want.extend([20; 11]);
        assert_eq!(all, want);
        let exact: Vec<u32> = plan(items.len(), false)
            .into_iter()
            .flat_map(|c| chunk_rows(&items, c, false).copied().collect::<Vec<_>>())
            .collect();
        assert_eq!(exact, (0..21).collect::<Vec<_>>());
    }
}
