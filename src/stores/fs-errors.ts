/**
 * The system error code of a failed file-system call (`ENOENT`, `EEXIST`, ...).
 *
 * @packageDocumentation
 */
import { CertflowError, StoreError } from '../errors.js';

/** `err.code` as a string, or `undefined` when `err` carries none. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/**
 * Runs one file store operation, turning an I/O failure into a StoreError naming the operation
 * and its key or prefix; certflow's own errors (conflicts, bad keys, corrupt records) pass through.
 */
export async function storeOperation<T>(
  name: string,
  subject: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (CertflowError.is(err)) throw err;
    throw new StoreError(
      `file store ${name} of ${JSON.stringify(subject)} failed (${errorCode(err) ?? String(err)})`,
      { cause: err },
    );
  }
}
