/**
 * Putting a bag of certificates in chain order.
 *
 * @packageDocumentation
 */

import { bytesEqual } from './der.js';
import { readCertificate, type ReadCertificate } from './certificate.js';
import { pemEncode, splitPemChain } from './pem.js';

type ChainEntry = ReadCertificate;

/**
 * Orders certificates leaf first, then each one's issuer, up to a self-signed root or the last
 * issuer present.
 *
 * @remarks
 * Each input string may hold one certificate or a PEM bundle. `B` issues `A` when `B`'s subject is
 * `A`'s issuer (compared as encoded names, or as text) and, when both are present, `B`'s
 * subjectKeyIdentifier equals `A`'s authorityKeyIdentifier. Signatures are not checked.
 *
 * The leaf is chosen among the certificates that issue no other certificate of the input: an
 * end-entity (not CA) certificate before a CA, then the one with the longest path, then the
 * first in input order. Duplicates are merged, and certificates that are not on the leaf's path
 * (unrelated certificates, a second leaf, a superseded intermediate) are dropped. When every
 * certificate issues another (cross-signed CAs only), the first one starts the chain. Output
 * PEMs are normalised as by `splitPemChain`. Malformed input is a `CryptoError`.
 *
 * @example
 * ```ts
 * const [leaf, ...issuers] = orderChain(splitPemChain(downloadedBundle));
 * ```
 */
export function orderChain(pems: string[]): string[] {
  const entries: ChainEntry[] = [];
  for (const pem of pems.flatMap((text) => splitPemChain(text))) {
    const read = readCertificate(pem);
    if (entries.some((entry) => bytesEqual(entry.info.der, read.info.der))) continue;
    entries.push(read);
  }
  let best: ChainEntry[] = [];
  for (const candidate of entries) {
    if (entries.some((other) => other !== candidate && issues(candidate, other))) continue;
    const chain = walk(candidate, entries);
    if (best.length === 0 || betterLeaf(chain, best)) best = chain;
  }
  const first = entries[0];
  if (best.length === 0 && first !== undefined) best = walk(first, entries);
  return best.map((entry) => pemEncode('CERTIFICATE', entry.info.der));
}

/** The path from `leaf` up through its issuers, stopping at a self-issued certificate. */
function walk(leaf: ChainEntry, entries: readonly ChainEntry[]): ChainEntry[] {
  const chain: ChainEntry[] = [];
  for (let current: ChainEntry | undefined = leaf; current !== undefined;) {
    chain.push(current);
    const child: ChainEntry = current;
    current = isSelfIssued(child)
      ? undefined
      : entries.find(
          (candidate) =>
            candidate !== child && !chain.includes(candidate) && issues(candidate, child),
        );
  }
  return chain;
}

/** An end-entity certificate beats a CA; then the longer path wins; on a tie, the earlier one. */
function betterLeaf(chain: readonly ChainEntry[], best: readonly ChainEntry[]): boolean {
  const isCA = chain[0]?.info.isCA === true;
  const bestIsCA = best[0]?.info.isCA === true;
  if (isCA !== bestIsCA) return !isCA;
  return chain.length > best.length;
}

/** Whether `issuer` is the issuer of `child` by name and key identifier. */
function issues(issuer: ChainEntry, child: ChainEntry): boolean {
  const namesMatch =
    bytesEqual(issuer.subjectDer, child.issuerDer) ||
    issuer.info.subjectText.toLowerCase() === child.info.issuerText.toLowerCase();
  if (!namesMatch) return false;
  const { subjectKeyIdentifier } = issuer.info;
  const { authorityKeyIdentifier } = child.info;
  return (
    subjectKeyIdentifier === undefined ||
    authorityKeyIdentifier === undefined ||
    subjectKeyIdentifier === authorityKeyIdentifier
  );
}

function isSelfIssued(entry: ChainEntry): boolean {
  return issues(entry, entry);
}
