"""SQLite cost of the store schema itself, without Rust or sqlx (docs/store.md, "The floor").

Replays the event rows and entity rows of a database the store bench left behind
(`GATEWATCH_BENCH_DIR=/tmp/benchdb GATEWATCH_BENCH_EVENTS=300000 cargo bench -p gatewatch-store
--bench store`) into a fresh file with the same schema, the way `write_batch` does (dedupe
look-ups, events, guarded entity upserts, one transaction per batch), and prints the CPU
time per event. Python`s own per-row cost is counted too, so this is an upper bound of
what SQLite needs. `python3 schema_floor.py all|noent [bench.db]` (noent: events only).
System Python`s SQLite (3.40 on Debian 12) is not the bundled 3.46, close enough here.
"""
import sqlite3, os, time, sys
src=sqlite3.connect(sys.argv[2] if len(sys.argv) > 2 else '/tmp/benchdb/bench.db')
N=200000; B=10000
evs=src.execute("select id,dedupe_key,connection,gateway,event_type,external_id,entity_kind,entity_id,severity,created_at,received_at,at,applied,payload from events order by id limit ?",(N,)).fetchall()
ents=src.execute("select * from entities").fetchall()
cols=[r[1] for r in src.execute("pragma table_info(entities)")]
ent_by={(e[cols.index('kind')],e[cols.index('id')]):e for e in ents}
schema=[r[0] for r in src.execute("select sql from sqlite_master where sql is not null and name not like 'sqlite_%' and name!='_sqlx_migrations'")]
path='/tmp/gatewatch-schema-floor.db'
for ext in ['','-wal','-shm']:
    try: os.remove(path+ext)
    except FileNotFoundError: pass
c=sqlite3.connect(path,isolation_level=None)
c.execute('pragma journal_mode=wal'); c.execute('pragma synchronous=normal'); c.execute('pragma cache_size=-65536'); c.execute('pragma wal_autocheckpoint=0')
for s in schema:
    # tables before indexes/views: sqlite_master order is fine except renamed entities
    try: c.execute(s)
    except Exception as e: print('skip',e, s[:60])
skip_ent = len(sys.argv)>1 and sys.argv[1]=='noent'
ph=','.join('?'*len(cols))
upd=','.join(f"{k}=excluded.{k}" for k in cols if k not in ('venue','kind','id'))
ins_ent=f"insert or fail into entities values ({ph}) on conflict(kind,id,venue) do update set {upd} where not (entities.terminal=1 and excluded.terminal=0)"
t0=time.process_time()
for b in range(0,N,B):
    chunk=evs[b:b+B]
    c.execute('begin immediate')
    keys=[e[1] for e in chunk]
    for i in range(0,len(keys),256):
        part=keys[i:i+256]
        c.execute('select dedupe_key from events where dedupe_key in (%s)'%','.join('?'*len(part)),part).fetchall()
    c.executemany('insert or fail into events values (?,?,?,?,?,?,?,?,?,?,?,?,?,?)',chunk)
    if not skip_ent:
        last={}
        for e in chunk:
            if e[7] is not None and (e[6],e[7]) in ent_by: last[(e[6],e[7])]=ent_by[(e[6],e[7])]
        c.executemany(ins_ent,list(last.values()))
    c.execute('commit')
    c.execute('pragma wal_checkpoint(passive)')
t=time.process_time()-t0
print('noent' if skip_ent else 'all','cpu/ev %.1f us'%(t/N*1e6))
