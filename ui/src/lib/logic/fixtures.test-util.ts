import type { ConnectionStatus } from '../bindings/ConnectionStatus';
import type { FrameRow } from '../bindings/FrameRow';
import type { PositionView } from '../bindings/PositionView';

export function pos(over: Partial<PositionView> = {}): PositionView {
  return {
    venue: 'dimes',
    connection: 'dimes-partner',
    id: 'dm_pos_1',
    market: 'BTC-100K',
    side: 'yes',
    size: 10,
    entry: 0.5,
    current_value: 0.6,
    pnl: 1,
    leverage: 2,
    margin: 5,
    distance_to_liquidation: 0.4,
    at_risk: false,
    status: 'open',
    finalizing: false,
    closed: false,
    stale: false,
    last_event_type: 'position.opened',
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...over,
  };
}

let seq = 0;
export function frame(over: Partial<FrameRow> = {}): FrameRow {
  seq += 1;
  return {
    seq,
    connection: 'axisor-prod',
    gateway: 'axisor',
    direction: 'in',
    at: '2026-01-01T00:00:00Z',
    event_type: 'market_data',
    entity_kind: 'market',
    entity_id: 'BTCUSD',
    decode_error: null,
    text: `{"type":"market_data","n":${seq}}`,
    ...over,
  };
}

export function conn(name: string, over: Partial<ConnectionStatus> = {}): ConnectionStatus {
  return {
    connection: name,
    gateway: 'axisor',
    environment: 'test',
    url: 'wss://example.test/ws',
    state: { state: 'subscribed' },
    counters: {
      frames_in: 0, frames_out: 0, events: 0, decode_errors: 0, duplicates: 0, stale: 0,
      reconnects: 0, dropped_frames: 0, last_event_at: null, events_per_sec: 0, heartbeat_rtt_ms: null,
    },
    last_error: null,
    ...over,
  };
}
