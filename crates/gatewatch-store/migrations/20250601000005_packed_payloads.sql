-- From this version on, `events.payload` and `entities.data` are written as zstd frames
-- (BLOBs) compressed with a dictionary shipped in the binary (see src/packed.rs); rows
-- written before stay JSON text and are read as they are. Every frame names its
-- dictionary's id, and every file holds the dictionaries it may need, so the frames can be
-- read without Gatewatch:
--   sqlite3 F "SELECT writefile('d', dict) FROM payload_dicts WHERE id = 1196883969"
--   sqlite3 F "SELECT writefile('p', payload) FROM events WHERE id = 42"; zstd -D d -dc p
CREATE TABLE payload_dicts (
    id   INTEGER PRIMARY KEY,
    dict BLOB    NOT NULL
);
