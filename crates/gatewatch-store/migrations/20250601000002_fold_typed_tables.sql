-- Ingest work (issue 5, item 7): fewer pages written per event.
--
-- 1. `entities` becomes a rowid table. As a WITHOUT ROWID table its ~1 KiB rows (the
--    `data` JSON) went past the local-payload limit of an index b-tree and spilled to
--    overflow pages: every state written dirtied two pages (about 28 us of SQLite CPU and
--    8 KiB of WAL + checkpoint per upsert in isolation, against 18 us / 5 KiB as a rowid
--    table). The key is a UNIQUE index on (kind, id, venue): lookups by kind and id alone
--    (an intent by id) use it too.
-- 2. The typed tables of entities (positions, intents, contracts, storage items, markets,
--    strategies, proofs, agents) are folded into the `entities` row: each state was a
--    second guarded upsert on a second random page (plus `updated_at` index entries to
--    move). They are views of `entities` now, with the same names and columns. Lobbies
--    (with their participant sets) and notifications (with their payload) keep their
--    tables: both are rare.
-- 3. One entity's history: the `(entity_kind, entity_id, at)` index took one random insert
--    per event across the whole log. It is keyed by the event id's bucket first
--    (`id >> 14`, 16,384 events per bucket), so inserts land in the newest bucket's small
--    subtree; a lookup seeks once per bucket (about 120 at the 2,000,000-event cap).

CREATE TABLE entities_v3 (
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
    -- The status a position / intent view shows (the reducer's, else `data.status`).
    shown_status    TEXT,
    -- Positions (Dimes, Axisor, zkde).
    market                  TEXT,
    side                    TEXT,
    size                    REAL,
    entry                   REAL,
    current_value           REAL,
    pnl                     REAL,
    leverage                REAL,
    margin                  REAL,
    distance_to_liquidation REAL,
    at_risk                 INTEGER,
    closed                  INTEGER,
    -- Fusion intents.
    proof_status   TEXT,
    solver         TEXT,
    from_chain     TEXT,
    to_chain       TEXT,
    amount         TEXT,
    htlc_state     TEXT,
    tx_hashes      TEXT,
    error          TEXT,
    failure_reason TEXT,
    -- Hashi contracts and storage items.
    lobby_id    TEXT,
    contract_id TEXT,
    player_id   TEXT,
    -- Markets, strategies, proofs.
    symbol     TEXT,
    price      REAL,
    change_pct REAL,
    pool_id    TEXT,
    apy        REAL,
    risk_score REAL,
    proof_type TEXT,
    proof_hash TEXT,
    success    INTEGER
);

INSERT INTO entities_v3 (venue, kind, id, connection, gateway, status, rank, finalizing,
    terminal, stale, last_event_type, updated_at, first_seen_at, events_applied,
    last_event_id, data)
SELECT venue, kind, id, connection, gateway, status, rank, finalizing, terminal, stale,
    last_event_type, updated_at, first_seen_at, events_applied, last_event_id, data
FROM entities;

UPDATE entities_v3 AS e SET shown_status = p.status, market = p.market, side = p.side,
    size = p.size, entry = p.entry, current_value = p.current_value, pnl = p.pnl,
    leverage = p.leverage, margin = p.margin,
    distance_to_liquidation = p.distance_to_liquidation, at_risk = p.at_risk,
    closed = p.closed
FROM positions AS p WHERE e.kind = 'position' AND p.venue = e.venue AND p.id = e.id;

UPDATE entities_v3 AS e SET shown_status = i.status, proof_status = i.proof_status,
    solver = i.solver, from_chain = i.from_chain, to_chain = i.to_chain, amount = i.amount,
    htlc_state = i.htlc_state, tx_hashes = i.tx_hashes, error = i.error,
    failure_reason = i.failure_reason
FROM intents AS i WHERE e.kind = 'intent' AND i.id = e.id;

UPDATE entities_v3 AS e SET lobby_id = c.lobby_id
FROM contracts AS c WHERE e.kind = 'contract' AND c.id = e.id;

UPDATE entities_v3 AS e SET contract_id = s.contract_id, lobby_id = s.lobby_id,
    player_id = s.player_id
FROM storage_items AS s WHERE e.kind = 'storage_item' AND s.id = e.id;

UPDATE entities_v3 AS e SET symbol = m.symbol, price = m.price, change_pct = m.change_pct
FROM markets AS m WHERE e.kind = 'market' AND m.venue = e.venue AND m.id = e.id;

UPDATE entities_v3 AS e SET pool_id = s.pool_id, apy = s.apy, risk_score = s.risk_score
FROM strategies AS s WHERE e.kind = 'strategy' AND s.venue = e.venue AND s.id = e.id;

UPDATE entities_v3 AS e SET proof_type = p.proof_type, proof_hash = p.proof_hash,
    success = p.success
FROM proofs AS p WHERE e.kind = 'proof' AND p.venue = e.venue AND p.id = e.id;

DROP TABLE entities;
ALTER TABLE entities_v3 RENAME TO entities;
CREATE UNIQUE INDEX entities_key ON entities (kind, id, venue);
-- Open positions at risk (a handful of rows; entries move only for at-risk positions).
CREATE INDEX entities_at_risk ON entities (updated_at)
    WHERE kind = 'position' AND at_risk = 1 AND closed = 0;

DROP TABLE positions;
DROP TABLE intents;
DROP TABLE contracts;
DROP TABLE storage_items;
DROP TABLE markets;
DROP TABLE strategies;
DROP TABLE proofs;
DROP TABLE agents;

CREATE VIEW positions AS
SELECT venue, id, connection, market, side, size, entry, current_value, pnl, leverage,
    margin, distance_to_liquidation, coalesce(at_risk, 0) AS at_risk,
    shown_status AS status, finalizing, coalesce(closed, terminal) AS closed, stale,
    last_event_type, first_seen_at AS created_at, updated_at
FROM entities WHERE kind = 'position';

CREATE VIEW intents AS
SELECT id, connection, shown_status AS status, proof_status, solver, from_chain, to_chain,
    amount, htlc_state, tx_hashes, error, failure_reason, terminal, stale,
    first_seen_at AS created_at, updated_at
FROM entities WHERE kind = 'intent';

CREATE VIEW contracts AS
SELECT id, connection, lobby_id, coalesce(status, last_event_type) AS stage, terminal,
    updated_at
FROM entities WHERE kind = 'contract';

CREATE VIEW storage_items AS
SELECT id, connection, contract_id, lobby_id, player_id,
    coalesce(status, last_event_type) AS stage, terminal, updated_at
FROM entities WHERE kind = 'storage_item';

CREATE VIEW markets AS
SELECT venue, id, connection, status, updated_at, symbol, price, change_pct
FROM entities WHERE kind = 'market';

CREATE VIEW strategies AS
SELECT venue, id, connection, status, updated_at, pool_id, apy, risk_score
FROM entities WHERE kind = 'strategy';

CREATE VIEW proofs AS
SELECT venue, id, connection, status, updated_at, proof_type, proof_hash, success
FROM entities WHERE kind = 'proof';

CREATE VIEW agents AS
SELECT venue, id, connection, status, updated_at FROM entities WHERE kind = 'agent';

DROP INDEX events_entity;
CREATE INDEX events_entity ON events ((id >> 14), entity_kind, entity_id, at)
    WHERE entity_id IS NOT NULL;
