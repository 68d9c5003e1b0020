import { describe, expect, it } from 'vitest';
import type { ContractView } from '../bindings/ContractView';
import type { LobbyView } from '../bindings/LobbyView';
import type { StorageItemView } from '../bindings/StorageItemView';
import { contractSteps, groupLobbies } from './lobbies';

const lobby = (id: string, code: string | null, over: Partial<LobbyView> = {}): LobbyView => ({
  connection: 'hashi', id, code, participants: [], participant_count: null, deleted: false,
  last_event_type: 'lobby.created', updated_at: '2026-01-01T00:00:00Z', ...over,
});
const contract = (id: string, lobby_id: string | null, stage = 'contract.created'): ContractView => ({
  connection: 'hashi', id, lobby_id, stage, terminal: false, updated_at: '2026-01-01T00:00:00Z',
});
const item = (id: string, contract_id: string | null, lobby_id: string | null): StorageItemView => ({
  connection: 'hashi', id, contract_id, lobby_id, player_id: 'p1', stage: 'storage.multipart_completed',
  terminal: false, updated_at: '2026-01-01T00:00:00Z',
});

describe('groupLobbies', () => {
  it('matches contracts by lobby id or lobby code, and storage by contract then lobby', () => {
    const r = groupLobbies(
      [lobby('L1', 'ABC123'), lobby('L2', null)],
      [contract('C1', 'ABC123'), contract('C2', 'L2'), contract('C3', 'nowhere')],
      [item('S1', 'C1', null), item('S2', null, 'L2'), item('S3', null, null)],
    );
    const g1 = r.groups.find((g) => g.lobby.id === 'L1');
    expect(g1?.contracts.map((c) => c.contract.id)).toEqual(['C1']);
    expect(g1?.contracts[0].storage.map((s) => s.id)).toEqual(['S1']);
    expect(r.groups.find((g) => g.lobby.id === 'L2')?.storage.map((s) => s.id)).toEqual(['S2']);
    expect(r.orphanContracts.map((c) => c.id)).toEqual(['C3']);
    expect(r.orphanStorage.map((s) => s.id)).toEqual(['S3']);
  });
  it('puts deleted lobbies last', () => {
    const r = groupLobbies([lobby('D', null, { deleted: true, updated_at: '2027-01-01T00:00:00Z' }), lobby('A', null)], [], []);
    expect(r.groups.map((g) => g.lobby.id)).toEqual(['A', 'D']);
  });
});

describe('contractSteps', () => {
  it('marks earlier stages done and skips the dispute path when there was none', () => {
    const steps = contractSteps('contract.payout_finalized');
    expect(steps.find((s) => s.stage === 'contract.initialized')?.state).toBe('done');
    expect(steps.find((s) => s.stage === 'contract.decision_contested')?.state).toBe('skipped');
    expect(steps.at(-1)?.state).toBe('current');
  });
  it('an unknown stage marks nothing done', () => {
    expect(contractSteps('contract.teleported').every((s) => s.state === 'todo')).toBe(true);
  });
  it('a contract in dispute shows the earlier dispute steps done', () => {
    const steps = contractSteps('contract.admin_decision');
    expect(steps.find((s) => s.stage === 'contract.decision_contested')?.state).toBe('done');
    expect(steps.find((s) => s.stage === 'contract.payout_finalized')?.state).toBe('todo');
  });
});
