-- Gatewatch cache, first schema.
-- Times are INTEGER milliseconds since the Unix epoch (UTC). JSON is stored as TEXT.
-- Entity tables are projections of `entities` (the reducer's state, authoritative for
-- ordering); the event log is append-only and pruned by age and size.

-- Every normalized event, incl. unknown types and stale ones. `dedupe_key` makes a
-- redelivered event a no-op. `at` is the effective time (created_at, else received_at).
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    dedupe_key   TEXT    NOT NULL UNIQUE,
    connection   TEXT    NOT NULL,
    gateway      TEXT    NOT NULL,
    event_type   TEXT    NOT NULL,
    external_id  TEXT,
    entity_kind  TEXT,
    entity_id    TEXT,
    severity     TEXT    NOT NULL,
    created_at   INTEGER,
    received_at  INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    applied      TEXT,
    payload      TEXT    NOT NULL
);
-- One entity's history in time order (the intent timeline, a position's story).
CREATE INDEX events_entity ON events (entity_kind, entity_id, at) WHERE entity_id IS NOT NULL;
-- Events of one type, newest first (keyset by id).
CREATE INDEX events_type ON events (event_type, id);
-- Time ranges and age-based retention.
CREATE INDEX events_received ON events (received_at);

-- The reducer's state of every entity, enough to seed it at start-up.
-- `rank` is the store's coarse status rank (0 initial, 1 live, 2 terminal) guarding upserts.
CREATE TABLE entities (
    venue           TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    id              TEXT    NOT NULL,
    connection      TEXT    NOT NULL,
    gateway         TEXT    NOT NULL,
    status          TEXT,
    rank            INTEGER NOT NULL,
    finalizing      INTEGER NOT NULL,
    terminal        INTEGER NOT NULL,
    stale           INTEGER NOT NULL,
    last_event_type TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL,
    first_seen_at   INTEGER NOT NULL,
    events_applied  INTEGER NOT NULL,
    last_event_id   INTEGER,
    data            TEXT    NOT NULL,
    PRIMARY KEY (venue, kind, id)
) WITHOUT ROWID;

-- Positions of Dimes, Axisor and zkde.
CREATE TABLE positions (
    venue                   TEXT    NOT NULL,
    id                      TEXT    NOT NULL,
    connection              TEXT    NOT NULL,
    market                  TEXT,
    side                    TEXT,
    size                    REAL,
    entry                   REAL,
    current_value           REAL,
    pnl                     REAL,
    leverage                REAL,
    margin                  REAL,
    distance_to_liquidation REAL,
    at_risk                 INTEGER NOT NULL,
    status                  TEXT,
    finalizing              INTEGER NOT NULL,
    closed                  INTEGER NOT NULL,
    stale                   INTEGER NOT NULL,
    last_event_type         TEXT    NOT NULL,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    payload                 TEXT    NOT NULL,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;
CREATE INDEX positions_at_risk ON positions (updated_at) WHERE at_risk = 1 AND closed = 0;
CREATE INDEX positions_closed ON positions (closed, updated_at);

-- Fusion intents and every status / proof-status change.
CREATE TABLE intents (
    id             TEXT    PRIMARY KEY NOT NULL,
    connection     TEXT    NOT NULL,
    status         TEXT,
    proof_status   TEXT,
    solver         TEXT,
    from_chain     TEXT,
    to_chain       TEXT,
    amount         TEXT,
    htlc_state     TEXT,
    tx_hashes      TEXT,
    error          TEXT,
    failure_reason TEXT,
    terminal       INTEGER NOT NULL,
    stale          INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    payload        TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX intents_updated ON intents (updated_at);

CREATE TABLE intent_status_history (
    id           INTEGER PRIMARY KEY,
    intent_id    TEXT    NOT NULL,
    status       TEXT,
    proof_status TEXT,
    at           INTEGER NOT NULL,
    event_id     INTEGER,
    event_type   TEXT    NOT NULL
);
CREATE INDEX intent_status_history_intent ON intent_status_history (intent_id, id);

-- Hashi.
CREATE TABLE lobbies (
    id                TEXT    PRIMARY KEY NOT NULL,
    connection        TEXT    NOT NULL,
    code              TEXT,
    participant_count INTEGER,
    deleted           INTEGER NOT NULL,
    last_event_type   TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL,
    payload           TEXT    NOT NULL
) WITHOUT ROWID;

CREATE TABLE lobby_participants (
    lobby_id  TEXT NOT NULL REFERENCES lobbies (id) ON DELETE CASCADE,
    player_id TEXT NOT NULL,
    PRIMARY KEY (lobby_id, player_id)
) WITHOUT ROWID;

CREATE TABLE contracts (
    id         TEXT    PRIMARY KEY NOT NULL,
    connection TEXT    NOT NULL,
    lobby_id   TEXT,
    stage      TEXT    NOT NULL,
    terminal   INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX contracts_lobby ON contracts (lobby_id);

CREATE TABLE storage_items (
    id          TEXT    PRIMARY KEY NOT NULL,
    connection  TEXT    NOT NULL,
    contract_id TEXT,
    lobby_id    TEXT,
    player_id   TEXT,
    stage       TEXT    NOT NULL,
    terminal    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    payload     TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX storage_items_lobby ON storage_items (lobby_id);

-- Market data, strategies, proofs, agents, notifications: a few typed columns + payload.
CREATE TABLE markets (
    venue      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    connection TEXT    NOT NULL,
    status     TEXT,
    updated_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    symbol     TEXT,
    price      REAL,
    change_pct REAL,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;

-- Axisor historical_data_update candles.
CREATE TABLE candles (
    venue     TEXT    NOT NULL,
    symbol    TEXT    NOT NULL,
    timeframe TEXT    NOT NULL,
    time      INTEGER NOT NULL,
    open      REAL,
    high      REAL,
    low       REAL,
    close     REAL,
    volume    REAL,
    PRIMARY KEY (venue, symbol, timeframe, time)
) WITHOUT ROWID;

CREATE TABLE strategies (
    venue      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    connection TEXT    NOT NULL,
    status     TEXT,
    updated_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    pool_id    TEXT,
    apy        REAL,
    risk_score REAL,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;

CREATE TABLE proofs (
    venue      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    connection TEXT    NOT NULL,
    status     TEXT,
    updated_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    proof_type TEXT,
    proof_hash TEXT,
    success    INTEGER,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;

CREATE TABLE agents (
    venue      TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    connection TEXT    NOT NULL,
    status     TEXT,
    updated_at INTEGER NOT NULL,
    payload    TEXT    NOT NULL,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;

CREATE TABLE notifications (
    venue       TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    connection  TEXT    NOT NULL,
    status      TEXT,
    updated_at  INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    code        TEXT,
    message     TEXT,
    position_id TEXT,
    PRIMARY KEY (venue, id)
) WITHOUT ROWID;
CREATE INDEX notifications_updated ON notifications (updated_at);

-- Fusion mempool:stats, one row per report (a time series).
CREATE TABLE mempool_stats (
    id         INTEGER PRIMARY KEY,
    connection TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    total      INTEGER,
    submitted  INTEGER,
    matched    INTEGER,
    executing  INTEGER,
    completed  INTEGER,
    failed     INTEGER,
    cancelled  INTEGER,
    event_id   INTEGER
);

-- Alerts raised by Gatewatch's rules.
CREATE TABLE alerts (
    id          TEXT    PRIMARY KEY NOT NULL,
    severity    TEXT    NOT NULL,
    connection  TEXT    NOT NULL,
    gateway     TEXT    NOT NULL,
    entity_kind TEXT,
    entity_id   TEXT,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    notified_os INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX alerts_at ON alerts (at);

-- Per-connection state and counters, overwritten by the engine.
CREATE TABLE connections (
    connection    TEXT    PRIMARY KEY NOT NULL,
    gateway       TEXT    NOT NULL,
    environment   TEXT,
    state         TEXT    NOT NULL,
    frames_in     INTEGER NOT NULL,
    frames_out    INTEGER NOT NULL,
    events        INTEGER NOT NULL,
    decode_errors INTEGER NOT NULL,
    duplicates    INTEGER NOT NULL,
    reconnects    INTEGER NOT NULL,
    last_event_at INTEGER,
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

-- Redacted raw frames (when recording), pruned with the event log.
CREATE TABLE frames (
    id         INTEGER PRIMARY KEY,
    connection TEXT    NOT NULL,
    gateway    TEXT    NOT NULL,
    direction  TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    text       TEXT    NOT NULL
);
CREATE INDEX frames_at ON frames (at);
