import { describe, expect, it } from 'vitest';
import { emptyFilter, FrameLog, matchFrame, prettyFrame, toEventFilter } from './frames';
import { frame } from './fixtures.test-util';

describe('matchFrame', () => {
  const f = frame({ connection: 'hashi-1', direction: 'out', event_type: 'lobby.joined', entity_id: 'LOBBY-ABC', text: '{"hello":"World"}' });
  it('matches every field it filters on', () => {
    expect(matchFrame(f, emptyFilter())).toBe(true);
    expect(matchFrame(f, { ...emptyFilter(), connection: 'hashi-1' })).toBe(true);
    expect(matchFrame(f, { ...emptyFilter(), connection: 'hashi-2' })).toBe(false);
    expect(matchFrame(f, { ...emptyFilter(), direction: 'in' })).toBe(false);
    expect(matchFrame(f, { ...emptyFilter(), eventType: 'LOBBY' })).toBe(true);
    expect(matchFrame(f, { ...emptyFilter(), eventType: 'contract' })).toBe(false);
    expect(matchFrame(f, { ...emptyFilter(), entityId: 'abc' })).toBe(true);
    expect(matchFrame(f, { ...emptyFilter(), text: 'world' })).toBe(true);
    expect(matchFrame(f, { ...emptyFilter(), text: 'mars' })).toBe(false);
  });
  it('treats a missing event type or entity id as not matching a non-empty filter', () => {
    const g = frame({ event_type: null, entity_id: null });
    expect(matchFrame(g, { ...emptyFilter(), eventType: 'x' })).toBe(false);
    expect(matchFrame(g, { ...emptyFilter(), entityId: 'x' })).toBe(false);
  });
});

describe('toEventFilter', () => {
  it('maps empty fields to null and keeps the rest', () => {
    expect(toEventFilter({ ...emptyFilter(), direction: 'in', text: ' abc ' }, 200)).toEqual({
      connection: null,
      direction: 'in',
      event_type: null,
      entity_id: null,
      text: 'abc',
      before_id: null,
      limit: 200,
    });
  });
});

describe('FrameLog', () => {
  it('stays bounded under a flood and keeps the newest frames', () => {
    const log = new FrameLog(100);
    const batch = Array.from({ length: 1000 }, () => frame());
    log.push(batch);
    expect(log.length).toBe(100);
    expect(log.at(99)?.seq).toBe(batch[999].seq);
    expect(log.at(0)?.seq).toBe(batch[900].seq);
    expect(log.evicted).toBe(900);
  });

  it('narrows to the filter, including frames that arrive later, and widens back', () => {
    const log = new FrameLog(50);
    log.push([frame({ connection: 'a' }), frame({ connection: 'b' }), frame({ connection: 'a' })]);
    log.setFilter({ ...emptyFilter(), connection: 'a' });
    expect(log.length).toBe(2);
    log.push([frame({ connection: 'b' }), frame({ connection: 'a' })]);
    expect(log.length).toBe(3);
    expect(log.slice(0, 10).every((f) => f.connection === 'a')).toBe(true);
    log.setFilter(emptyFilter());
    expect(log.length).toBe(5);
  });

  it('drops filtered rows whose frames were evicted from the ring', () => {
    const log = new FrameLog(4);
    log.setFilter({ ...emptyFilter(), connection: 'a' });
    log.push([frame({ connection: 'a', seq: 1 }), frame({ connection: 'b' }), frame({ connection: 'b' }), frame({ connection: 'b' })]);
    expect(log.length).toBe(1);
    log.push([frame({ connection: 'b' })]); // evicts the only 'a'
    expect(log.length).toBe(0);
    expect(log.at(0)).toBeUndefined();
    log.push([frame({ connection: 'a', seq: 77 })]);
    expect(log.length).toBe(1);
    expect(log.at(0)?.seq).toBe(77);
  });
});

describe('prettyFrame', () => {
  it('indents plain JSON', () => {
    expect(prettyFrame('{"a":1}')).toBe('{\n  "a": 1\n}');
  });
  it('keeps the Socket.IO packet prefix and indents the arguments', () => {
    const out = prettyFrame('42/v1/ws,["position.opened",{"id":"x"}]');
    expect(out.startsWith('42/v1/ws,\n[')).toBe(true);
    expect(out).toContain('"position.opened"');
  });
  it('returns non-JSON text unchanged', () => {
    expect(prettyFrame('2probe')).toBe('2probe');
    expect(prettyFrame('42["broken"')).toBe('42["broken"');
  });
});
