-- Positions at risk (issue 5, item 7: under 5 ms with 1,000,000 events in the log).
--
-- Reading them went through the partial index `entities_at_risk` to one random `entities`
-- page per position and packed the row into JSON in SQLite (printf of seven REALs per row,
-- so they round-trip exactly): 5.5-5.7 ms p50 for ~500 positions on a quiet machine, most
-- of it that packing. Now the writer, which has the values in hand anyway, stores the
-- position's row as JSON text (`risk_row`, the elements of a JSON array, without the
-- brackets) while the position is open and at risk, NULL otherwise; a covering partial
-- index holds exactly those rows, so the read is one scan of a small index and a
-- `group_concat`. `stale` and `first_seen_at` change without a new state (a reconnect marks
-- positions stale; the upsert keeps the earliest first-seen time), so they stay columns,
-- read beside `risk_row`.

ALTER TABLE entities ADD COLUMN risk_row TEXT;

-- Rows written before this migration: the same elements, REALs as 17 significant digits
-- (exact) like the old packed read.
UPDATE entities SET risk_row =
    json_quote(venue) || ',' || json_quote(id) || ',' || json_quote(connection) || ',' ||
    json_quote(market) || ',' || json_quote(side) || ',' ||
    iif(size IS NULL, 'null', printf('%!.17g', size)) || ',' ||
    iif(entry IS NULL, 'null', printf('%!.17g', entry)) || ',' ||
    iif(current_value IS NULL, 'null', printf('%!.17g', current_value)) || ',' ||
    iif(pnl IS NULL, 'null', printf('%!.17g', pnl)) || ',' ||
    iif(leverage IS NULL, 'null', printf('%!.17g', leverage)) || ',' ||
    iif(margin IS NULL, 'null', printf('%!.17g', margin)) || ',' ||
    iif(distance_to_liquidation IS NULL, 'null', printf('%!.17g', distance_to_liquidation))
    || ',' || json_quote(shown_status) || ',' || finalizing || ',' ||
    json_quote(last_event_type) || ',' || updated_at
WHERE kind = 'position' AND at_risk = 1 AND closed = 0;

DROP INDEX entities_at_risk;
CREATE INDEX entities_risk ON entities
    (updated_at, kind, at_risk, closed, stale, first_seen_at, risk_row)
    WHERE kind = 'position' AND at_risk = 1 AND closed = 0;
