/** Assertions on Baton's errors, shared by the adapter and workspace tests. */
import { expect } from 'vitest';
import { BatonError } from '../../core/errors.js';

/** The BatonError a promise rejects with; fails the test if it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<BatonError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BatonError);
  return error as BatonError;
}
