#!/usr/bin/env python3
"""Train the zstd dictionary the store compresses payloads and entity data with.

Usage: train.py DB OUT  (DB: a file written by `gatewatch watch --db` against the simulator
at `--rate max`, all five gateways; see docs/store.md "Compressed payloads").

The dictionary only changes how well rows compress, never what they decode to; but every
row compressed with it needs it to be read back, so a published dictionary is never
changed: a new one gets a new id (`DICT_ID + n`) and the old one stays in the binary.
Needs `pip install zstandard`.
"""
import random
import sqlite3
import sys

import zstandard

DICT_ID = 0x47570001  # "GW" 0 1
SIZE = 64 * 1024

db, out = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db)
payloads = [r[0].encode() for r in con.execute("SELECT payload FROM events ORDER BY id")]
data = [r[0].encode() for r in con.execute("SELECT data FROM entities")]
random.seed(7)
samples = random.sample(payloads, min(20000, len(payloads))) + random.sample(data, min(5000, len(data)))
for s in samples:
    low = s.lower()
    assert b"skey" not in low and b"eyj" not in low and b"token=" not in low, s[:200]
d = zstandard.train_dictionary(SIZE, samples, dict_id=DICT_ID, level=3)
open(out, "wb").write(d.as_bytes())
print(f"{len(samples)} samples -> {len(d.as_bytes())} bytes, id {d.dict_id():#x}")
