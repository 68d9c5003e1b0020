// Form <-> settings conversions for the Settings view. The secret is write-only: it is sent
// once with `save_connection`/`test_connection` and never read back or kept in the form.

import type { AlertThresholds } from '../bindings/AlertThresholds';
import type { ConnectionSettings } from '../bindings/ConnectionSettings';
import type { GatewayKind } from '../bindings/GatewayKind';

export const GATEWAY_KINDS: GatewayKind[] = ['dimes-partner', 'dimes-customer', 'axisor', 'zkde', 'hashi', 'fusion'];

export type CredentialKind = 'none' | 'env' | 'keychain' | 'literal';

/** The editable form of a connection (lists as comma-separated text). */
export type ConnectionForm = {
  originalName: string | null;
  name: string;
  kind: GatewayKind;
  url: string;
  environment: string;
  credentialKind: CredentialKind;
  envVar: string;
  keychainEntry: string;
  /** Whether a literal secret is already stored (from `list_connections`). */
  secretIsSet: boolean;
  /** Typed by the user; sent once, never filled from stored settings. */
  secret: string;
  rooms: string;
  zkdeEvents: string;
  lobbies: string;
  intents: string;
  allIntents: boolean;
};

export function parseList(s: string): string[] {
  return s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function newForm(): ConnectionForm {
  return {
    originalName: null,
    name: '',
    kind: 'dimes-partner',
    url: '',
    environment: 'prod',
    credentialKind: 'none',
    envVar: '',
    keychainEntry: '',
    secretIsSet: false,
    secret: '',
    rooms: '',
    zkdeEvents: '',
    lobbies: '',
    intents: '',
    allIntents: false,
  };
}

export function formFromSettings(s: ConnectionSettings): ConnectionForm {
  const c = s.credential;
  return {
    ...newForm(),
    originalName: s.name,
    name: s.name,
    kind: s.kind,
    url: s.url,
    environment: s.environment,
    credentialKind: c.kind,
    envVar: c.kind === 'env' ? c.var : '',
    keychainEntry: c.kind === 'keychain' ? c.entry : '',
    secretIsSet: c.kind === 'literal' ? c.set : false,
    secret: '',
    rooms: s.subscriptions.rooms.join(', '),
    zkdeEvents: s.subscriptions.zkde_events.join(', '),
    lobbies: s.subscriptions.lobbies.join(', '),
    intents: s.subscriptions.intents.join(', '),
    allIntents: s.subscriptions.all_intents,
  };
}

/** The settings to send and the secret to send with them (null = keep the stored one). */
export function settingsFromForm(f: ConnectionForm): { settings: ConnectionSettings; secret: string | null } {
  const secret = f.credentialKind === 'literal' && f.secret.length > 0 ? f.secret : null;
  let credential: ConnectionSettings['credential'];
  switch (f.credentialKind) {
    case 'env':
      credential = { kind: 'env', var: f.envVar.trim() };
      break;
    case 'keychain':
      credential = { kind: 'keychain', entry: f.keychainEntry.trim() };
      break;
    case 'literal':
      credential = { kind: 'literal', set: secret !== null || f.secretIsSet };
      break;
    default:
      credential = { kind: 'none' };
  }
  return {
    settings: {
      name: f.name.trim(),
      kind: f.kind,
      url: f.url.trim(),
      environment: f.environment.trim(),
      credential,
      subscriptions: {
        rooms: parseList(f.rooms),
        zkde_events: parseList(f.zkdeEvents),
        lobbies: parseList(f.lobbies),
        intents: parseList(f.intents),
        all_intents: f.allIntents,
      },
    },
    secret,
  };
}

/** Problems that stop a save, in words for the form. */
export function validateForm(f: ConnectionForm): string[] {
  const errs: string[] = [];
  if (!f.name.trim()) errs.push('A name is required.');
  if (!/^wss?:\/\/|^https?:\/\//.test(f.url.trim())) errs.push('The URL must start with ws://, wss://, http:// or https://.');
  if (f.credentialKind === 'env' && !f.envVar.trim()) errs.push('Name the environment variable that holds the credential.');
  if (f.credentialKind === 'keychain' && !f.keychainEntry.trim()) errs.push('Name the keychain entry.');
  if (f.credentialKind === 'literal' && !f.secretIsSet && f.secret.length === 0) errs.push('Enter the secret (it is stored in the OS keychain).');
  return errs;
}

export function validateThresholds(t: AlertThresholds): string[] {
  const errs: string[] = [];
  const nonNeg = (v: number) => Number.isFinite(v) && v >= 0;
  if (!nonNeg(t.distance_to_liquidation)) errs.push('Distance to liquidation must be a number ≥ 0.');
  if (!nonNeg(t.rearm_margin)) errs.push('Re-arm margin must be a number ≥ 0.');
  if (!Number.isInteger(t.group_window_secs) || t.group_window_secs < 0) errs.push('Group window must be whole seconds ≥ 0.');
  if (!Number.isInteger(t.max_notifications_per_minute) || t.max_notifications_per_minute < 1) errs.push('Notifications per minute must be a whole number ≥ 1.');
  return errs;
}
