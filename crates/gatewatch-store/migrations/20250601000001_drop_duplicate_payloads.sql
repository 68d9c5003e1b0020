-- The typed tables repeated `entities.data` in a `payload` column: every entity update wrote
-- its JSON twice. The full last payload lives in `entities.data` only from now on
-- (join on venue/kind/id). Notifications keep theirs (low volume, shown as is).
ALTER TABLE positions DROP COLUMN payload;
ALTER TABLE intents DROP COLUMN payload;
ALTER TABLE lobbies DROP COLUMN payload;
ALTER TABLE contracts DROP COLUMN payload;
ALTER TABLE storage_items DROP COLUMN payload;
ALTER TABLE markets DROP COLUMN payload;
ALTER TABLE strategies DROP COLUMN payload;
ALTER TABLE proofs DROP COLUMN payload;
ALTER TABLE agents DROP COLUMN payload;
-- Planner statistics are absent on a fresh file; make the at-risk lookup use its partial
-- index rather than scanning every open position.
DROP INDEX positions_closed;
CREATE INDEX positions_closed ON positions (closed, venue, updated_at);
