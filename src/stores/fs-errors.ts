/**
 * The system error code of a failed file-system call (`ENOENT`, `EEXIST`, ...).
 *
 * @packageDocumentation
 */

/** `err.code` as a string, or `undefined` when `err` carries none. */
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}
