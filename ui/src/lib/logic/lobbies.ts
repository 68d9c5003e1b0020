// Grouping Hashi contracts and storage items under their lobbies, and the contract lifecycle.

import type { ContractView } from '../bindings/ContractView';
import type { LobbyView } from '../bindings/LobbyView';
import type { StorageItemView } from '../bindings/StorageItemView';

/** The contract lifecycle in order (hashi.md); the dispute stages sit before the payout. */
export const CONTRACT_STAGES = [
  'contract.created',
  'contract.initializing',
  'contract.initialized',
  'contract.payment_transferred',
  'contract.outcome_attested',
  'contract.decision_contested',
  'contract.mediation_submitted',
  'contract.admin_decision',
  'contract.payout_finalized',
] as const;

const DISPUTE = new Set(['contract.decision_contested', 'contract.mediation_submitted', 'contract.admin_decision']);

export type StageStep = { stage: string; label: string; state: 'done' | 'current' | 'todo' | 'skipped' };

/**
 * The steps to draw for a contract at `stage`. Dispute steps only count as done if the
 * contract went through one; an unknown stage (a newer gateway) marks nothing done.
 */
export function contractSteps(stage: string): StageStep[] {
  const idx = CONTRACT_STAGES.indexOf(stage as (typeof CONTRACT_STAGES)[number]);
  // Only the last stage is known: a finalized contract may or may not have been disputed.
  const disputed = DISPUTE.has(stage);
  return CONTRACT_STAGES.map((s, i) => {
    let state: StageStep['state'];
    if (idx < 0) state = 'todo';
    else if (i === idx) state = 'current';
    else if (i < idx) state = DISPUTE.has(s) && !disputed ? 'skipped' : 'done';
    else state = 'todo';
    return { stage: s, label: s.replace(/^contract\./, '').replace(/_/g, ' '), state };
  });
}

export type LobbyGroup = {
  lobby: LobbyView;
  contracts: { contract: ContractView; storage: StorageItemView[] }[];
  /** Storage items of the lobby not tied to one of its known contracts. */
  storage: StorageItemView[];
};

/**
 * Group contracts and storage items under their lobby. Hashi's `lobbyId` may be the lobby's
 * id or its code (the document's examples use both), so both are matched.
 */
export function groupLobbies(
  lobbies: Iterable<LobbyView>,
  contracts: Iterable<ContractView>,
  storage: Iterable<StorageItemView>,
): { groups: LobbyGroup[]; orphanContracts: ContractView[]; orphanStorage: StorageItemView[] } {
  const groups: LobbyGroup[] = [];
  const byRef = new Map<string, LobbyGroup>();
  for (const lobby of lobbies) {
    const g: LobbyGroup = { lobby, contracts: [], storage: [] };
    groups.push(g);
    byRef.set(`${lobby.connection}\u0000${lobby.id}`, g);
    if (lobby.code) byRef.set(`${lobby.connection}\u0000${lobby.code}`, g);
  }
  const contractSlot = new Map<string, { contract: ContractView; storage: StorageItemView[] }>();
  const orphanContracts: ContractView[] = [];
  for (const c of contracts) {
    const slot = { contract: c, storage: [] as StorageItemView[] };
    contractSlot.set(`${c.connection}\u0000${c.id}`, slot);
    const g = c.lobby_id ? byRef.get(`${c.connection}\u0000${c.lobby_id}`) : undefined;
    if (g) g.contracts.push(slot);
    else orphanContracts.push(c);
  }
  const orphanStorage: StorageItemView[] = [];
  for (const s of storage) {
    const slot = s.contract_id ? contractSlot.get(`${s.connection}\u0000${s.contract_id}`) : undefined;
    if (slot) {
      slot.storage.push(s);
      continue;
    }
    const g = s.lobby_id ? byRef.get(`${s.connection}\u0000${s.lobby_id}`) : undefined;
    if (g) g.storage.push(s);
    else orphanStorage.push(s);
  }
  // Live lobbies first, most recently active first.
  groups.sort((a, b) => Number(a.lobby.deleted) - Number(b.lobby.deleted) || b.lobby.updated_at.localeCompare(a.lobby.updated_at));
  return { groups, orphanContracts, orphanStorage };
}
