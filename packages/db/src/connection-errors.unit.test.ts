import { describe, expect, test } from 'vitest';
import { leavesConnectionUsable } from './database';

const pgError = (code: string, severity = 'ERROR') => Object.assign(new Error('x'), { code, severity });

describe('which errors leave a pooled connection usable', () => {
  test('ordinary server errors do: the session goes on', () => {
    expect(leavesConnectionUsable(pgError('23505'))).toBe(true); // unique violation
    expect(leavesConnectionUsable(pgError('40001'))).toBe(true); // serialization failure
    expect(leavesConnectionUsable(pgError('57014'))).toBe(true); // query cancelled (statement_timeout)
  });

  test('errors that end the session do not', () => {
    expect(leavesConnectionUsable(pgError('57P01', 'FATAL'))).toBe(false); // pg_terminate_backend
    expect(leavesConnectionUsable(pgError('57P01'))).toBe(false); // the class alone
    expect(leavesConnectionUsable(pgError('08006'))).toBe(false); // connection failure
    expect(leavesConnectionUsable(pgError('XX000', 'PANIC'))).toBe(false);
  });

  test('errors without a SQLSTATE do not (socket errors, timeouts, bugs)', () => {
    expect(leavesConnectionUsable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(leavesConnectionUsable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(leavesConnectionUsable('not an error')).toBe(false);
  });
});
