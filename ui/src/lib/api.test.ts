import { describe, expect, it } from 'vitest';
import { errorMessage, isAppError } from './api';

describe('errorMessage', () => {
  it('formats the AppError shape every command rejects with', () => {
    expect(isAppError({ kind: 'not_found', message: 'no intent x' })).toBe(true);
    expect(errorMessage({ kind: 'not_found', message: 'no intent x' })).toBe('not_found: no intent x');
  });
  it('falls back for Error, string and junk', () => {
    expect(isAppError({ kind: 1, message: 'x' })).toBe(false);
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('unknown error');
  });
});

describe('api over mocked IPC', () => {
  it('sends the contract argument names, muted_until in both spellings', async () => {
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks');
    const { api } = await import('./api');
    const seen: { cmd: string; args: unknown }[] = [];
    mockIPC((cmd, args) => {
      seen.push({ cmd, args });
      return null;
    });
    await api.setMuted('axisor', '2026-01-01T00:00:00Z');
    await api.subscribeIntent('fusion', 'int_1');
    expect(seen).toEqual([
      { cmd: 'set_muted', args: { connection: 'axisor', muted_until: '2026-01-01T00:00:00Z', mutedUntil: '2026-01-01T00:00:00Z' } },
      { cmd: 'subscribe_intent', args: { connection: 'fusion', id: 'int_1' } },
    ]);
    clearMocks();
  });

  it('rejects with the AppError a command throws', async () => {
    const { mockIPC, clearMocks } = await import('@tauri-apps/api/mocks');
    const { api } = await import('./api');
    mockIPC(() => Promise.reject({ kind: 'not_found', message: 'no intent x' }));
    await expect(api.lookupIntent('x')).rejects.toEqual({ kind: 'not_found', message: 'no intent x' });
    clearMocks();
  });
});
