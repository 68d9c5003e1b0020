// Realistic mocked engine data for the browser tests, the benchmark and the screenshots.
// Shapes follow ui/src/lib/bindings (the IPC contract); values look like what the five
// gateways send. Times are relative to page load so "4s ago" labels stay plausible.

import type { AlertRow } from '../../src/lib/bindings/AlertRow';
import type { ConnectionSettings } from '../../src/lib/bindings/ConnectionSettings';
import type { ConnectionStatus } from '../../src/lib/bindings/ConnectionStatus';
import type { ContractView } from '../../src/lib/bindings/ContractView';
import type { EventRow } from '../../src/lib/bindings/EventRow';
import type { FrameRow } from '../../src/lib/bindings/FrameRow';
import type { GatewayKind } from '../../src/lib/bindings/GatewayKind';
import type { IntentView } from '../../src/lib/bindings/IntentView';
import type { LobbyView } from '../../src/lib/bindings/LobbyView';
import type { MempoolStats } from '../../src/lib/bindings/MempoolStats';
import type { PositionView } from '../../src/lib/bindings/PositionView';
import type { Snapshot } from '../../src/lib/bindings/Snapshot';
import type { StorageItemView } from '../../src/lib/bindings/StorageItemView';
import type { Toast } from '../../src/lib/bindings/Toast';
import type { UiBatch } from '../../src/lib/bindings/UiBatch';

const T0 = Date.now();
export const ago = (s: number): string => new Date(T0 - s * 1000).toISOString();

export const emptyBatch = (): UiBatch => ({
  connections: [], positions: [], intents: [], lobbies: [], contracts: [], storage_items: [],
  frames: [], toasts: [], alerts: [], mempool: null, frames_dropped: 0, reset: null,
});

const counters = (eps: number, rtt: number | null, lastAgo: number | null, extra: Partial<ConnectionStatus['counters']> = {}) => ({
  frames_in: Math.round(eps * 600), frames_out: 42, events: Math.round(eps * 590), decode_errors: 0,
  duplicates: 3, stale: 1, reconnects: 0, dropped_frames: 0,
  last_event_at: lastAgo === null ? null : ago(lastAgo), events_per_sec: eps, heartbeat_rtt_ms: rtt, ...extra,
});

export function connections(): ConnectionStatus[] {
  return [
    { connection: 'dimes-partner', gateway: 'dimes-partner', environment: 'sim', url: 'ws://127.0.0.1:41001/v1/ws/prediction-markets/positions', state: { state: 'subscribed' }, counters: counters(4.2, 18, 1), last_error: null },
    { connection: 'dimes-customer', gateway: 'dimes-customer', environment: 'sim', url: 'ws://127.0.0.1:41001/v1/ws/prediction-markets/customer-positions', state: { state: 'authenticated' }, counters: counters(0.8, 21, 6), last_error: null },
    { connection: 'axisor', gateway: 'axisor', environment: 'sim', url: 'ws://127.0.0.1:41002/ws', state: { state: 'subscribed' }, counters: counters(37.5, 9, 0), last_error: null },
    { connection: 'zkde', gateway: 'zkde', environment: 'sim', url: 'ws://127.0.0.1:41003/ws/0x04a1…9f2c', state: { state: 'reconnecting', attempt: 3, next_try_at: new Date(T0 + 4000).toISOString() }, counters: counters(0, null, 48, { reconnects: 3 }), last_error: 'connection reset by peer' },
    { connection: 'hashi', gateway: 'hashi', environment: 'sim', url: 'ws://127.0.0.1:41004/?token=[redacted]', state: { state: 'connected' }, counters: counters(1.6, 12, 3), last_error: null },
    { connection: 'fusion', gateway: 'fusion', environment: 'sim', url: 'ws://127.0.0.1:41005/socket.io/', state: { state: 'subscribed' }, counters: counters(6.1, 15, 2), last_error: null },
  ];
}

export function position(over: Partial<PositionView> & { id: string }): PositionView {
  return {
    venue: 'dimes', connection: 'dimes-partner', market: null, side: null, size: null, entry: null,
    current_value: null, pnl: null, leverage: null, margin: null, distance_to_liquidation: null,
    at_risk: false, status: 'open', finalizing: false, closed: false, stale: false,
    last_event_type: 'position.opened', created_at: ago(3600), updated_at: ago(30), ...over,
  };
}

export function positions(): PositionView[] {
  return [
    position({ id: 'dm_pos_7Hc2', market: 'FED-CUT-DEC', side: 'yes', size: 1200, entry: 0.41, current_value: 0.47, pnl: 72, leverage: 3, margin: 164, distance_to_liquidation: 0.31, created_at: ago(7200) }),
    position({ id: 'dm_pos_9Kq1', market: 'BTC-150K-2026', side: 'no', size: 800, entry: 0.62, current_value: 0.58, pnl: -32, leverage: 5, margin: 99, distance_to_liquidation: 0.04, at_risk: true, created_at: ago(5400) }),
    position({ id: 'dm_pos_Zx81', market: 'ETH-ETF-FLOWS', side: 'yes', size: 300, entry: 0.22, status: 'pending', finalizing: true, last_event_type: 'position.opening', created_at: ago(20), updated_at: ago(4) }),
    position({ id: 'dm_pos_Qa05', connection: 'dimes-customer', market: 'ELECTION-UK-LAB', side: 'yes', size: 150, entry: 0.55, current_value: 0.57, pnl: 3, leverage: 2, status: 'closing', last_event_type: 'position.close_requested', created_at: ago(9000) }),
    position({ id: 'pos_44812', venue: 'axisor', connection: 'axisor', market: 'BTCUSD', side: 'long', size: 0.75, entry: 97_250, current_value: 98_110, pnl: 645, leverage: 10, margin: 7294, distance_to_liquidation: 8.7, created_at: ago(4000) }),
    position({ id: 'pos_44907', venue: 'axisor', connection: 'axisor', market: 'ETHUSD', side: 'short', size: 12, entry: 3410, current_value: 3522, pnl: -1344, leverage: 20, margin: 2046, distance_to_liquidation: 1.9, at_risk: true, created_at: ago(3000) }),
    position({ id: 'pos_45002', venue: 'axisor', connection: 'axisor', market: 'SOLUSD', side: 'long', size: 140, entry: 182.4, current_value: 184.1, pnl: 238, leverage: 5, margin: 5107, distance_to_liquidation: 17.2, created_at: ago(1200) }),
    position({ id: 'zk_pos_0x91', venue: 'zkde', connection: 'zkde', market: 'ekubo:ETH/USDC', side: 'long', size: 4.2, entry: 3380, current_value: 3521, pnl: 592, leverage: 2, distance_to_liquidation: 0.42, stale: true, created_at: ago(86000) }),
    // history
    position({ id: 'dm_pos_Lq77', market: 'BTC-100K-NOV', side: 'yes', size: 500, entry: 0.7, pnl: -350, leverage: 4, status: 'liquidated', closed: true, last_event_type: 'position.liquidated', updated_at: ago(600) }),
    position({ id: 'dm_pos_St12', market: 'NBA-FINALS-BOS', side: 'no', size: 90, entry: 0.35, pnl: 58, status: 'settled', closed: true, last_event_type: 'position.settled', updated_at: ago(1800) }),
    position({ id: 'pos_43990', venue: 'axisor', connection: 'axisor', market: 'XRPUSD', side: 'short', size: 5000, entry: 2.31, pnl: 410, leverage: 3, status: 'closed', closed: true, last_event_type: 'position_closed', updated_at: ago(2400) }),
  ];
}

export function intent(over: Partial<IntentView> & { id: string }): IntentView {
  return {
    connection: 'fusion', status: 'matched', proof_status: 'verified', solver: '0x7a3f…c201',
    from_chain: 'ethereum', to_chain: 'starknet', amount: '2500000000000000000', htlc_state: null,
    tx_hashes: null, error: null, failure_reason: null, terminal: false, created_at: ago(900), updated_at: ago(60), ...over,
  };
}

export const LOOKUP_INTENT_ID = 'int_8f14e45fceea167a5a36dedd4bea2543';

export function intents(): IntentView[] {
  return [
    intent({ id: LOOKUP_INTENT_ID, status: 'executing', proof_status: 'verified', htlc_state: { source: 'locked', destination: 'pending' }, tx_hashes: { sourceLock: '0x5e1d…9a0b' }, updated_at: ago(12) }),
    intent({ id: 'int_c9f0f895fb98ab9159f51fd0297e236d', status: 'completed', terminal: true, from_chain: 'base', to_chain: 'ethereum', amount: '125000000', updated_at: ago(300) }),
    intent({ id: 'int_45c48cce2e2d7fbdea1afc51c7c6ad26', status: 'proofs_pending', proof_status: 'generating', solver: null, updated_at: ago(40) }),
    intent({ id: 'int_d3d9446802a44259755d38e6d163e820', status: 'failed', terminal: true, error: 'HTLC expired', failure_reason: 'source lock not observed within 30 min', updated_at: ago(1500) }),
  ];
}

function evRow(id: number, type: string, secsAgo: number, payload: Record<string, unknown>, intentId = LOOKUP_INTENT_ID): EventRow {
  return {
    id, connection: 'fusion', gateway: 'fusion', event_type: type, entity_kind: 'intent', entity_id: intentId,
    severity: 'info', created_at: ago(secsAgo), received_at: ago(secsAgo), payload: { intentId, timestamp: ago(secsAgo), ...payload },
  };
}

export function intentTimeline(): EventRow[] {
  return [
    evRow(9001, 'intent:new', 900, { status: 'proofs_pending', proofStatus: 'pending', fromChain: 'ethereum', toChain: 'starknet' }),
    evRow(9002, 'intent:proof', 700, { proofStatus: 'generated', oldProofStatus: 'pending' }),
    evRow(9003, 'intent:proof_changed', 520, { proofStatus: 'verified', oldProofStatus: 'generated' }),
    evRow(9004, 'intent:status_changed', 400, { status: 'matched', oldStatus: 'PROOFS_VERIFIED', solver: '0x7a3f…c201' }),
    evRow(9005, 'intent:status', 12, { status: 'executing', htlcState: { source: 'locked' }, txHashes: { sourceLock: '0x5e1d…9a0b' } }),
  ];
}

export function lobbies(): { lobbies: LobbyView[]; contracts: ContractView[]; storage: StorageItemView[] } {
  const l = (id: string, code: string, participants: string[], over: Partial<LobbyView> = {}): LobbyView => ({
    connection: 'hashi', id, code, participants, participant_count: participants.length, deleted: false,
    last_event_type: 'lobby.joined', updated_at: ago(50), ...over,
  });
  const c = (id: string, lobby_id: string, stage: string, terminal = false): ContractView => ({
    connection: 'hashi', id, lobby_id, stage, terminal, updated_at: ago(70),
  });
  const s = (id: string, contract_id: string, lobby_id: string, player: string, stage: string, terminal = false): StorageItemView => ({
    connection: 'hashi', id, contract_id, lobby_id, player_id: player, stage, terminal, updated_at: ago(80),
  });
  return {
    lobbies: [
      l('550e8400-e29b-41d4-a716-446655440000', 'ABC123', ['player_ana', 'player_bo']),
      l('6fa459ea-ee8a-3ca4-894e-db77e160355e', 'KQ7Z2M', ['player_cy', 'player_dee', 'player_eli'], { updated_at: ago(20) }),
      l('16fd2706-8baf-433b-82eb-8c7fada847da', 'OLD999', [], { deleted: true, last_event_type: 'lobby.deleted', updated_at: ago(4000) }),
    ],
    contracts: [
      c('c-1f2e', 'ABC123', 'contract.outcome_attested'),
      c('c-77aa', 'KQ7Z2M', 'contract.payment_transferred'),
      c('c-90bb', 'KQ7Z2M', 'contract.mediation_submitted'),
      c('c-0001', 'OLD999', 'contract.payout_finalized', true),
    ],
    storage: [
      s('st-aa01', 'c-1f2e', 'ABC123', 'player_ana', 'storage.multipart_completed'),
      s('st-aa02', 'c-1f2e', 'ABC123', 'player_bo', 'storage.presigned_url_created'),
      s('st-bb01', 'c-90bb', 'KQ7Z2M', 'player_cy', 'storage.external_url_created'),
    ],
  };
}

export function mempool(): MempoolStats {
  return { connection: 'fusion', total: 1284, submitted: 97, matched: 41, executing: 12, completed: 1102, failed: 23, cancelled: 9, at: ago(5) };
}

export function toasts(): Toast[] {
  return [
    { id: 'n-1', severity: 'critical', connection: 'dimes-partner', gateway: 'dimes-partner', title: 'Position liquidated', body: 'dm_pos_Lq77 on BTC-100K-NOV was liquidated.', at: ago(600) },
    { id: 'n-2', severity: 'warning', connection: 'axisor', gateway: 'axisor', title: 'Service degraded', body: 'price-feed: degraded (latency above 2 s).', at: ago(900) },
    { id: 'n-3', severity: 'info', connection: 'zkde', gateway: 'zkde', title: 'Proof complete', body: 'Proof 0x1b…77 for strategy delta-neutral-3 verified.', at: ago(1400) },
    { id: 'n-4', severity: 'info', connection: 'dimes-customer', gateway: 'dimes-customer', title: 'Position opened', body: 'Your position on ELECTION-UK-LAB is open.', at: ago(9000) },
  ];
}

export function alerts(): AlertRow[] {
  return [
    { id: 'a-1', severity: 'critical', connection: 'axisor', gateway: 'axisor', entity_kind: 'position', entity_id: 'pos_44907', title: 'ETHUSD short near liquidation', body: 'Distance to liquidation 1.9 % (threshold 5 %).', at: ago(45), notified_os: true },
    { id: 'a-2', severity: 'critical', connection: 'dimes-partner', gateway: 'dimes-partner', entity_kind: 'position', entity_id: 'dm_pos_9Kq1', title: 'BTC-150K-2026 at risk', body: 'Distance to liquidation 0.04.', at: ago(120), notified_os: true },
    { id: 'a-3', severity: 'warning', connection: 'zkde', gateway: 'zkde', entity_kind: 'risk_alert', entity_id: 'alert-88', title: 'Drawdown alert (medium)', body: 'Strategy delta-neutral-3 drawdown 7.5 %.', at: ago(700), notified_os: false },
  ];
}

const FRAME_TEMPLATES: { connection: string; gateway: GatewayKind; type: string; kind: FrameRow['entity_kind']; id: string; text: (n: number) => string; dir?: 'out' }[] = [
  { connection: 'axisor', gateway: 'axisor', type: 'market_data', kind: 'market', id: 'BTCUSD', text: (n) => `{"type":"market_data","data":{"symbol":"BTCUSD","price":${(98000 + (n % 200)).toFixed(1)},"volume24h":18234.5,"timestamp":"${ago(0)}"}}` },
  { connection: 'axisor', gateway: 'axisor', type: 'candle_update', kind: 'market', id: 'ETHUSD', text: (n) => `{"type":"candle_update","data":{"symbol":"ETHUSD","interval":"1m","open":3511.2,"close":${3511 + (n % 17)},"high":3530,"low":3502}}` },
  { connection: 'dimes-partner', gateway: 'dimes-partner', type: 'position.opened', kind: 'position', id: 'dm_pos_7Hc2', text: () => `42/v1/ws/prediction-markets/positions,["position.opened",{"id":"evt_01HQ","type":"position.opened","created_at":"${ago(3)}","data":{"id":"dm_pos_7Hc2","status":"open","entry":{"price":"0.41"}}}]` },
  { connection: 'zkde', gateway: 'zkde', type: 'proof_complete', kind: 'proof', id: '0x1b77', text: () => `{"type":"proof_complete","data":{"proof_id":"0x1b77","strategy_id":"delta-neutral-3","verified":true}}` },
  { connection: 'zkde', gateway: 'zkde', type: 'pong', kind: null, id: '', text: () => `{"type":"pong"}`, dir: 'out' },
  { connection: 'hashi', gateway: 'hashi', type: 'contract.payment_transferred', kind: 'contract', id: 'c-77aa', text: () => `{"type":"contract:event","data":{"type":"contract.payment_transferred","contractId":"c-77aa","lobbyId":"KQ7Z2M","timestamp":"${ago(1)}"}}` },
  { connection: 'hashi', gateway: 'hashi', type: 'ping', kind: null, id: '', text: () => `{"type":"ping"}`, dir: 'out' },
  { connection: 'fusion', gateway: 'fusion', type: 'intent:status', kind: 'intent', id: LOOKUP_INTENT_ID, text: () => `42["intent:status",{"intentId":"${LOOKUP_INTENT_ID}","status":"executing","proofStatus":"verified"}]` },
  { connection: 'fusion', gateway: 'fusion', type: 'mempool:stats', kind: 'mempool', id: 'mempool', text: (n) => `42["mempool:stats",{"total":${1284 + n},"submitted":97,"matched":41}]` },
];

let frameSeq = 0;
/** `n` frames cycling through the templates, stamped now. */
export function frames(n: number): FrameRow[] {
  const out: FrameRow[] = [];
  const at = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    frameSeq += 1;
    const t = FRAME_TEMPLATES[frameSeq % FRAME_TEMPLATES.length];
    out.push({
      seq: frameSeq, connection: t.connection, gateway: t.gateway, direction: t.dir ?? 'in', at,
      event_type: t.type, entity_kind: t.kind, entity_id: t.id || null, decode_error: null, text: t.text(frameSeq),
    });
  }
  return out;
}

export function realisticSnapshot(demo: boolean): Snapshot {
  const h = lobbies();
  const fr = frames(240);
  fr.push({ seq: ++frameSeq, connection: 'axisor', gateway: 'axisor', direction: 'in', at: new Date().toISOString(), event_type: null, entity_kind: null, entity_id: null, decode_error: 'expected value at line 1 column 12', text: '{"type":"mar' });
  return {
    ...emptyBatch(),
    connections: connections(), positions: positions(), intents: intents(), lobbies: h.lobbies, contracts: h.contracts,
    storage_items: h.storage, frames: fr, toasts: [], alerts: alerts(), mempool: mempool(), demo, version: '0.1.0',
  };
}

export function emptySnapshot(demo: boolean): Snapshot {
  return { ...emptyBatch(), demo, version: '0.1.0' };
}

export function settings(): ConnectionSettings[] {
  return [
    { name: 'dimes-partner', kind: 'dimes-partner', url: 'wss://api.dimes.example/v1/ws/prediction-markets/positions', environment: 'prod', credential: { kind: 'literal', set: true }, subscriptions: { rooms: [], zkde_events: [], lobbies: [], intents: [], all_intents: false } },
    { name: 'axisor', kind: 'axisor', url: 'wss://axisor.example/ws', environment: 'prod', credential: { kind: 'env', var: 'AXISOR_JWT' }, subscriptions: { rooms: ['user:1842', 'market:BTCUSD', 'positions', 'margin_guard'], zkde_events: [], lobbies: [], intents: [], all_intents: false } },
    { name: 'fusion', kind: 'fusion', url: 'wss://fusion.example', environment: 'staging', credential: { kind: 'none' }, subscriptions: { rooms: [], zkde_events: [], lobbies: [], intents: [], all_intents: true } },
  ];
}

/** Every event the mocked SQLite history holds (for `search_events`). */
export function historyEvents(): EventRow[] {
  const rows: EventRow[] = [...intentTimeline()];
  let id = 5000;
  for (const p of positions()) {
    rows.push({ id: id++, connection: p.connection, gateway: p.venue === 'dimes' ? 'dimes-partner' : (p.venue as GatewayKind), event_type: p.last_event_type, entity_kind: 'position', entity_id: p.id, severity: p.at_risk ? 'warning' : 'info', created_at: p.updated_at, received_at: p.updated_at, payload: { id: p.id, status: p.status, market: p.market } });
  }
  return rows.sort((a, b) => b.id - a.id);
}
