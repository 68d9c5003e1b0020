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
