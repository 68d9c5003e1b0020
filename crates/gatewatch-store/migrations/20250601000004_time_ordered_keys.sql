-- Dedupe keys gain a time prefix (8 bytes of the event's created_at before the 16-byte hash,
-- see `stored_key` in src/write.rs), so new keys land on the UNIQUE index's newest pages
-- instead of random ones. Events up to this id hold keys of an older form (the hash alone,
-- or text before that); while any of them is left, the writer also looks new keys up in
-- those forms. A file created from now on records 0.
CREATE TABLE store_meta (
    name  TEXT    PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO store_meta (name, value)
SELECT 'legacy_keys_through', coalesce(max(id), 0) FROM events;
