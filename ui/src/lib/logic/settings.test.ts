import { describe, expect, it } from 'vitest';
import type { ConnectionSettings } from '../bindings/ConnectionSettings';
import { formFromSettings, newForm, parseList, settingsFromForm, validateForm, validateThresholds } from './settings';

const stored: ConnectionSettings = {
  name: 'dimes-prod', kind: 'dimes-partner', url: 'wss://x/v1/ws', environment: 'prod',
  credential: { kind: 'literal', set: true },
  subscriptions: { rooms: ['a', 'b'], zkde_events: [], lobbies: [], intents: [], all_intents: false },
};

describe('settings form', () => {
  it('parses comma/newline lists', () => {
    expect(parseList(' a, b,,\nc ')).toEqual(['a', 'b', 'c']);
    expect(parseList('')).toEqual([]);
  });
  it('never fills the secret from stored settings, and keeps the stored one when left blank', () => {
    const f = formFromSettings(stored);
    expect(f.secret).toBe('');
    expect(f.secretIsSet).toBe(true);
    const out = settingsFromForm(f);
    expect(out.secret).toBeNull();
    expect(out.settings.credential).toEqual({ kind: 'literal', set: true });
    expect(out.settings.subscriptions.rooms).toEqual(['a', 'b']);
  });
  it('sends a typed secret only for the literal kind', () => {
    expect(settingsFromForm({ ...newForm(), credentialKind: 'literal', secret: 's3cret' }).secret).toBe('s3cret');
    expect(settingsFromForm({ ...newForm(), credentialKind: 'env', envVar: 'K', secret: 's3cret' }).secret).toBeNull();
  });
  it('validates what a save needs', () => {
    expect(validateForm(newForm()).length).toBeGreaterThan(0);
    expect(validateForm({ ...newForm(), name: 'n', url: 'wss://h/ws' })).toEqual([]);
    expect(validateForm({ ...newForm(), name: 'n', url: 'ftp://h', credentialKind: 'literal' })).toHaveLength(2);
  });
  it('validates thresholds', () => {
    expect(validateThresholds({ distance_to_liquidation: 0.1, rearm_margin: 0.02, group_window_secs: 30, max_notifications_per_minute: 6 })).toEqual([]);
    expect(validateThresholds({ distance_to_liquidation: -1, rearm_margin: NaN, group_window_secs: 1.5, max_notifications_per_minute: 0 })).toHaveLength(4);
  });
});
