/**
 * Access to WebCrypto and the pkijs engine, set up on first use rather than at import time.
 *
 * @packageDocumentation
 */

import type { webcrypto as nodeWebCrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { CryptoError } from '../errors.js';

let engineChecked = false;

/** A WebCrypto key (Node's `webcrypto.CryptoKey`). */
export type CryptoKey = nodeWebCrypto.CryptoKey;

/**
 * The WebCrypto implementation certflow signs and verifies with (`globalThis.crypto`).
 *
 * @remarks
 * On first call it also makes sure pkijs has an engine: pkijs registers one per process, so an
 * engine the host already set is kept and certflow only fills the gap.
 */
export function webCrypto(): nodeWebCrypto.Crypto {
  const crypto = globalThis.crypto as nodeWebCrypto.Crypto | undefined;
  if (crypto?.subtle === undefined) {
    throw new CryptoError('WebCrypto (globalThis.crypto.subtle) is not available');
  }
  if (!engineChecked) {
    if (!hasEngine()) {
      pkijs.setEngine('certflow', new pkijs.CryptoEngine({ name: 'certflow', crypto }));
    }
    engineChecked = true;
  }
  return crypto;
}

/** The WebCrypto `SubtleCrypto` of {@link webCrypto}. */
export function subtle(): nodeWebCrypto.SubtleCrypto {
  return webCrypto().subtle;
}

function hasEngine(): boolean {
  try {
    return pkijs.getCrypto(false) != null;
  } catch {
    return false;
  }
}
