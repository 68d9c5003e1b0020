"""A model of an event-log layout that could reach 50,000 events/s (docs/store.md, "The floor").

Narrow event rows (integer columns only) with their four indexes, the payloads of a batch
in one row of a `chunks` table, and guarded entity upserts of the last state per entity and
batch; payloads of PAY bytes (default 420), B events per batch (default 1,000), 10,000 ids
for each of 5 kinds. Prints SQLite + binding CPU per event (generation excluded). Environment: B, PAY.
`python3 layout_model.py dedupe,ent,type,recv,entities` (which indexes / parts to include:
dedupe, ent, type, recv, entities, zlib).
"""
import sqlite3, os, random, time, sys, json, zlib
N=200000; B=int(os.environ.get('B','1000')); ents=10000
PAY=int(os.environ.get('PAY','420')); variant=sys.argv[1]
path='/tmp/gatewatch-layout-model.db'
for ext in ['','-wal','-shm']:
    try: os.remove(path+ext)
    except FileNotFoundError: pass
c=sqlite3.connect(path, isolation_level=None)
c.execute('pragma journal_mode=wal'); c.execute('pragma synchronous=normal'); c.execute('pragma cache_size=-262144'); c.execute('pragma wal_autocheckpoint=0')
c.execute('create table meta(id integer primary key, dkey int, type int, ent int, at int, conn int, created int, received int, applied int)')
idx = variant.split(',')
if 'dedupe' in idx: c.execute('create unique index md on meta(dkey)')
if 'ent' in idx: c.execute('create index me on meta((id>>14), ent, at)')
if 'type' in idx: c.execute('create index mt on meta(type, id)')
if 'recv' in idx: c.execute('create index mr on meta(received)')
c.execute('create table chunks(id integer primary key, data blob)')
c.execute('create table entities(rid integer primary key, kind int, id text, status text, updated_at int, last_event_id int, data text)')
c.execute('create unique index ek on entities(kind,id)')
rnd=random.Random(1)
pays=[json.dumps({"type":"position_update","data":{"id":"pos_%d"%i,"pad":"%x"%rnd.getrandbits(64)*(PAY//16)}}) for i in range(1000)]
t0=time.process_time(); gen=0
seq=0
for b in range(N//B):
    g0=time.process_time()
    rows=[];ens={};parts=[]
    for i in range(B):
        seq+=1
        k=rnd.randrange(5); e=rnd.randrange(ents)
        rows.append((seq,rnd.getrandbits(63),rnd.randrange(8),k*ents+e,seq,1,seq,seq,1))
        parts.append(pays[seq%1000])
        ens[(k,e)]=(k,'id_%d'%e,'open',seq,seq,pays[(seq*7)%1000])
    blob='\n'.join(parts)
    if 'zlib' in idx: blob=zlib.compress(blob.encode(),1)
    gen+=time.process_time()-g0
    c.execute('begin')
    c.executemany('insert into meta values (?,?,?,?,?,?,?,?,?)',rows)
    c.execute('insert into chunks(data) values (?)',(blob,))
    if 'entities' in idx: c.executemany('insert into entities(kind,id,status,updated_at,last_event_id,data) values (?,?,?,?,?,?) on conflict(kind,id) do update set status=excluded.status, updated_at=excluded.updated_at, last_event_id=excluded.last_event_id, data=excluded.data', list(ens.values()))
    c.execute('commit')
    if b%50==49: c.execute('pragma wal_checkpoint(passive)')
t=time.process_time()-t0
print(variant,'B',B,'PAY',PAY,'sqlite+bind cpu/ev %.1f us (gen %.1f)'%((t-gen)/N*1e6, gen/N*1e6))
