import {
  ecPrivateKeyPem,
  keyFactsMatchSpki,
  keyFactsOf,
  readKeyFacts,
  type KeyFacts,
} from '../../crypto/key-facts.js';
import {
  exportPrivateKeyPem,
  importPrivateKeyPem,
  parseCertificate,
  pemDecode,
  type CertificateInfo,
  type PrivateKey,
} from '../../crypto/index.js';
import { withCertificateDefaults } from '../../domain/defaults.js';
import { renewalTime } from '../../domain/renewal.js';
import type { Certificate, CertificateRequest, Secret } from '../../domain/types.js';
import { errorMessage } from '../context.js';
import { secretAnnotations } from './annotations.js';
import { compareRequestWithSpec, csrIsForKey } from './request-matching.js';

/**
 * The private key in a Secret's `tls.key`: what it is at once, the WebCrypto key when asked for.
 *
 * @remarks
 * Evaluating a Secret needs only the key's spec and public key, which {@link KeyFacts} give
 * without importing the key; signing with it or writing it again needs the key itself.
 */
export interface TlsKey {
  /** The key's spec and public key, read without importing it. */
  readonly facts: KeyFacts;
  /**
   * The key, imported on the first call (about half a millisecond for a P-256 key) and the same
   * object on every later call; a key this process wrote is handed back without an import. Fails
   * with a `CryptoError` only if WebCrypto rejects a key whose facts were read, which it should not.
   */
  load(): Promise<PrivateKey>;
  /**
   * The key as `exportPrivateKeyPem` writes it in `encoding`: for an EC key not yet imported,
   * without an import (see `ecPrivateKeyPem`).
   */
  exportPem(encoding: 'PKCS1' | 'PKCS8'): Promise<string>;
}

/** The outcome of looking at a Certificate's Secret. */
export type SecretEvaluation =
  | {
      readonly needsIssuance: false;
      readonly info: CertificateInfo;
      /** The Secret's key. */
      readonly tlsKey: TlsKey;
      /** The Secret's key, when it is already imported (`tlsKey.load()` always gives it). */
      readonly key?: PrivateKey;
      readonly renewalTime: Date;
    }
  | {
      readonly needsIssuance: true;
      /** cert-manager's trigger reason: DoesNotExist, MissingData, InvalidKeyPair, ... */
      readonly reason: string;
      readonly message: string;
      /** The certificate currently in the Secret, when there is a valid one. */
      readonly info?: CertificateInfo;
      /** The Secret's key, when it parses (reused by rotationPolicy Never). */
      readonly tlsKey?: TlsKey;
      /** The Secret's key, when it parses and is already imported. */
      readonly key?: PrivateKey;
    };

function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = new Set((a ?? []).map((s) => s.toLowerCase()));
  const y = new Set((b ?? []).map((s) => s.toLowerCase()));
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/** The fields of `spec.privateKey` that `key` does not have (algorithm, size). */
export function keySpecMismatches(
  key: Pick<PrivateKey, 'spec'>,
  certificate: Certificate,
): string[] {
  const spec = withCertificateDefaults(certificate.spec).privateKey;
  if (key.spec.algorithm !== spec.algorithm) return ['spec.privateKey.algorithm'];
  if (spec.algorithm !== 'Ed25519' && key.spec.size !== spec.size) return ['spec.privateKey.size'];
  return [];
}

/** Whether `key` (an imported key or its {@link KeyFacts}) has the algorithm and size asked for. */
export function keyMatchesSpec(key: Pick<PrivateKey, 'spec'>, certificate: Certificate): boolean {
  return keySpecMismatches(key, certificate).length === 0;
}

/** The renewal time of a certificate issued for `certificate`. */
export function renewalTimeFor(certificate: Certificate, info: CertificateInfo): Date {
  const spec = certificate.spec;
  return renewalTime({
    notBefore: info.notBefore,
    notAfter: info.notAfter,
    ...(spec.renewBefore === undefined ? {} : { renewBefore: spec.renewBefore }),
    ...(spec.renewBeforePercentage === undefined
      ? {}
      : { renewBeforePercentage: spec.renewBeforePercentage }),
  });
}

/**
 * Written keys are kept until their first evaluation, which takes them; the limit only bounds what
 * Certificates deleted before that evaluation leave behind. It is far above the issuances an
 * engine runs at once: with 10,000 due together, a limit of 1,024 dropped most keys before their
 * evaluation, which then imported them again.
 */
const WRITTEN_KEYS_LIMIT = 100_000;

/** The same bound for the key pairs held for issuing Certificates (see {@link KeyPairCache}). */
const HELD_LIMIT = 100_000;

/** A Secret's key: its facts, and the key itself once imported (or written by this process). */
class SecretTlsKey implements TlsKey {
  readonly facts: KeyFacts;
  readonly #pem: string;
  #key: PrivateKey | undefined;
  #loading: Promise<PrivateKey> | undefined;

  constructor(facts: KeyFacts, pem: string, key: PrivateKey | undefined) {
    this.facts = facts;
    this.#pem = pem;
    this.#key = key;
  }

  /** The key's fields of an evaluation: {@link TlsKey}, and the key when already imported. */
  fields(): { tlsKey: TlsKey; key?: PrivateKey } {
    return this.#key === undefined ? { tlsKey: this } : { tlsKey: this, key: this.#key };
  }

  load(): Promise<PrivateKey> {
    if (this.#key !== undefined) return Promise.resolve(this.#key);
    this.#loading ??= importPrivateKeyPem(this.#pem).then((key) => (this.#key = key));
    return this.#loading;
  }

  async exportPem(encoding: 'PKCS1' | 'PKCS8'): Promise<string> {
    if (this.#key === undefined) {
      const pem = ecPrivateKeyPem(this.#pem, this.facts, encoding);
      if (pem !== undefined) return pem;
    }
    return exportPrivateKeyPem(await this.load(), encoding);
  }
}

/**
 * Reads a Secret's key: a key this process wrote as it is, any other from its facts alone, and
 * only what the facts cannot tell (an Ed25519 key, say) through an import.
 */
async function readTlsKey(pem: string, written: PrivateKey | undefined): Promise<SecretTlsKey> {
  if (written !== undefined) return new SecretTlsKey(keyFactsOf(written), pem, written);
  const facts = readKeyFacts(pem);
  if (facts !== undefined) return new SecretTlsKey(facts, pem, undefined);
  const key = await importPrivateKeyPem(pem);
  return new SecretTlsKey(keyFactsOf(key), pem, key);
}

/** A parsed and checked key pair: the expensive part of looking at a Secret. */
type ParsedKeyPair =
  | { readonly tlsKey: SecretTlsKey; readonly info: CertificateInfo }
  | Extract<SecretEvaluation, { needsIssuance: true }>;

/** A cached parse, valid while the Secret's PEM text is exactly what was parsed. */
interface KeyPairEntry {
  readonly keyPem: string;
  readonly crtPem: string;
  readonly parsed: Promise<ParsedKeyPair>;
}

/**
 * Parsed key pairs by Secret, so that the several reconciles of one issuance (and every status
 * write that wakes a Certificate) do not parse the same certificate and read the same key again,
 * and import the key at most once when it is loaded. An entry is used only while the Secret's PEM
 * text is exactly what was parsed.
 *
 * @remarks
 * The Secrets of Certificates that are issuing are held ({@link KeyPairCache.hold}) until their
 * issuance ends: each of those is evaluated again at every step of its issuance, and when more
 * Certificates issue at once than the cache holds, a plain LRU dropped every entry before its next
 * use. The others are kept as an LRU of {@link KeyPairCache.limit} entries, so that checking the
 * Secrets of a hundred thousand Ready Certificates does not keep them all.
 */
export class KeyPairCache {
  private readonly entries = new Map<string, KeyPairEntry>();
  /** Entries of Certificates that are issuing, outside the LRU. */
  private readonly held = new Map<string, KeyPairEntry>();

  /** Keys this process wrote to a Secret, by the PEM it wrote: importing one again is wasted. */
  private readonly written = new Map<string, PrivateKey>();

  constructor(readonly limit = 5_000) {}

  /**
   * Remembers that `pem` (as written to a Secret's `tls.key`) is `key`, so that the evaluation of
   * that Secret need not read it, nor import it when the key is wanted again (rotationPolicy
   * Never, the Secret written again).
   */
  rememberWrittenKey(pem: string, key: PrivateKey): void {
    this.written.delete(pem);
    this.written.set(pem, key);
    if (this.written.size > WRITTEN_KEYS_LIMIT) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }

  /** The key written as `pem`, if this process wrote it recently; it is then forgotten. */
  takeWrittenKey(pem: string): PrivateKey | undefined {
    const key = this.written.get(pem);
    if (key !== undefined) this.written.delete(pem);
    return key;
  }

  lookup(
    id: string,
    keyPem: string,
    crtPem: string,
    parse: () => Promise<ParsedKeyPair>,
  ): Promise<ParsedKeyPair> {
    const held = this.held.get(id);
    if (held !== undefined) {
      if (held.keyPem === keyPem && held.crtPem === crtPem) return held.parsed;
      const entry = { keyPem, crtPem, parsed: parse() };
      this.held.set(id, entry);
      return entry.parsed;
    }
    const hit = this.entries.get(id);
    if (hit !== undefined && hit.keyPem === keyPem && hit.crtPem === crtPem) return hit.parsed;
    this.entries.delete(id);
    const entry = { keyPem, crtPem, parsed: parse() };
    this.remember(id, entry);
    return entry.parsed;
  }

  /**
   * Holds the entry of `secret` outside the LRU (its Certificate is issuing), or with
   * `issuing: false` returns it to the LRU (the issuance ended, or never began).
   */
  hold(secret: Secret | undefined, issuing: boolean): void {
    if (secret === undefined) return;
    const id = secretCacheKey(secret);
    if (issuing) {
      const entry = this.entries.get(id);
      if (entry === undefined) return;
      this.entries.delete(id);
      this.held.set(id, entry);
      // Only Certificates deleted (or renamed their Secret) mid-issuance leave entries held.
      if (this.held.size > HELD_LIMIT) {
        const oldest = this.held.keys().next().value;
        if (oldest !== undefined) this.held.delete(oldest);
      }
      return;
    }
    const entry = this.held.get(id);
    if (entry === undefined) return;
    this.held.delete(id);
    this.remember(id, entry);
  }

  /** How many entries are held for issuing Certificates (for tests). */
  get heldCount(): number {
    return this.held.size;
  }

  private remember(id: string, entry: KeyPairEntry): void {
    this.entries.set(id, entry);
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

function secretCacheKey(secret: Secret): string {
  return `${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
}

async function parseKeyPair(
  keyPem: string,
  crtPem: string,
  cache: KeyPairCache | undefined,
  id: string,
): Promise<ParsedKeyPair> {
  const parse = async (): Promise<ParsedKeyPair> => {
    let tlsKey: SecretTlsKey;
    try {
      tlsKey = await readTlsKey(keyPem, cache?.takeWrittenKey(keyPem));
    } catch (err) {
      return {
        needsIssuance: true,
        reason: 'InvalidKeyPair',
        message: `Issuing certificate as Secret contains invalid private key data: ${errorMessage(err)}`,
      };
    }
    let info: CertificateInfo;
    try {
      // The leaf is the first block; parsing its DER skips re-encoding the chain as PEM.
      info = parseCertificate(pemDecode(crtPem, 'CERTIFICATE'));
    } catch (err) {
      return {
        needsIssuance: true,
        reason: 'InvalidCertificate',
        message: `Issuing certificate as Secret contains an invalid certificate: ${errorMessage(err)}`,
        ...tlsKey.fields(),
      };
    }
    if (!keyFactsMatchSpki(tlsKey.facts, info.publicKeySpki)) {
      return {
        needsIssuance: true,
        reason: 'InvalidKeyPair',
        message:
          'Issuing certificate as Secret contains a private key that does not match the certificate',
        info,
        ...tlsKey.fields(),
      };
    }
    return { tlsKey, info };
  };
  return cache === undefined ? parse() : cache.lookup(id, keyPem, crtPem, parse);
}

/**
 * Decides whether a Certificate needs (re)issuance, as cert-manager's trigger policy chain does,
 * first violation wins: no Secret (`DoesNotExist`), no key or certificate (`MissingData`), a key
 * or certificate that does not parse or a key that does not match the certificate
 * (`InvalidKeyPair`, `InvalidCertificate`), issuer annotations naming another issuer
 * (`IncorrectIssuer`), a Secret issued for another Certificate (`IncorrectCertificate`), a key
 * that no longer fits `spec.privateKey` or that did not make the current CertificateRequest
 * (`SecretMismatch`), a current CertificateRequest made from another spec (`RequestChanged`; when
 * there is none, the certificate's names are compared with the spec instead), then `Expired` and
 * the renewal time (`Renewing`).
 *
 * @param currentRequest - the CertificateRequest of the Certificate's current revision, if it is
 *   still there.
 */
export async function evaluateSecret(
  certificate: Certificate,
  secret: Secret | undefined,
  now: number,
  currentRequest?: CertificateRequest,
  cache?: KeyPairCache,
): Promise<SecretEvaluation> {
  if (secret === undefined) {
    return {
      needsIssuance: true,
      reason: 'DoesNotExist',
      message: 'Issuing certificate as Secret does not exist',
    };
  }
  const keyPem = secret.data?.['tls.key'] ?? '';
  const crtPem = secret.data?.['tls.crt'] ?? '';
  if (keyPem === '' || crtPem === '') {
    return {
      needsIssuance: true,
      reason: 'MissingData',
      message: `Issuing certificate as Secret does not contain ${keyPem === '' ? 'a private key' : 'a certificate'}`,
    };
  }
  const parsed = await parseKeyPair(keyPem, crtPem, cache, secretCacheKey(secret));
  if ('needsIssuance' in parsed) return parsed;
  const { tlsKey, info } = parsed;
  const keyFields = tlsKey.fields();
  const spec = withCertificateDefaults(certificate.spec);
  const annotations = secret.metadata.annotations ?? {};
  // As cert-manager: a Secret without issuer annotations (made before certflow knew it) is not
  // a mismatch; the annotations are added when the Secret is next written.
  const name = annotations[secretAnnotations.issuerName];
  const kind = annotations[secretAnnotations.issuerKind];
  const group = annotations[secretAnnotations.issuerGroup];
  const annotated = name !== undefined || kind !== undefined || group !== undefined;
  if (
    (annotated && name !== spec.issuerRef.name) ||
    (kind || 'Issuer') !== spec.issuerRef.kind ||
    (group || 'cert-manager.io') !== spec.issuerRef.group
  ) {
    return {
      needsIssuance: true,
      reason: 'IncorrectIssuer',
      message: `Issuing certificate as Secret was previously issued by "${kind || 'Issuer'}.${group || 'cert-manager.io'}/${name ?? ''}"`,
      info,
      ...keyFields,
    };
  }
  const owner = annotations[secretAnnotations.certificateName];
  if (owner !== undefined && owner !== certificate.metadata.name) {
    return {
      needsIssuance: true,
      reason: 'IncorrectCertificate',
      message: `Secret was issued for "${owner}". If this message is not transient, you might have two conflicting Certificates pointing to the same secret.`,
      info,
      ...keyFields,
    };
  }
  const keyMismatches = keySpecMismatches(tlsKey.facts, certificate);
  if (keyMismatches.length > 0) {
    return {
      needsIssuance: true,
      reason: 'SecretMismatch',
      message: `Existing private key is not up to date for spec: [${keyMismatches.join(', ')}]`,
      info,
      ...keyFields,
    };
  }
  const comparison =
    currentRequest === undefined ? undefined : compareRequestWithSpec(currentRequest, certificate);
  if (comparison !== undefined) {
    if (!csrIsForKey(comparison.csr, tlsKey.facts)) {
      return {
        needsIssuance: true,
        reason: 'SecretMismatch',
        message: 'Secret contains a private key that does not match the current CertificateRequest',
        info,
        ...keyFields,
      };
    }
    if (comparison.mismatches.length > 0) {
      return {
        needsIssuance: true,
        reason: 'RequestChanged',
        message: `Fields on existing CertificateRequest resource not up to date: [${comparison.mismatches.join(', ')}]`,
        info,
        ...keyFields,
      };
    }
  } else {
    // No current request to compare with: compare the names in the certificate instead.
    const mismatches: string[] = [];
    if (!sameSet(info.dnsNames, spec.dnsNames)) mismatches.push('spec.dnsNames');
    if (!sameSet(info.ipAddresses, spec.ipAddresses)) mismatches.push('spec.ipAddresses');
    if (!sameSet(info.uris, spec.uris)) mismatches.push('spec.uris');
    if (!sameSet(info.emailAddresses, spec.emailAddresses)) mismatches.push('spec.emailAddresses');
    if (spec.commonName !== undefined && info.subject.commonName !== spec.commonName) {
      mismatches.push('spec.commonName');
    }
    if (mismatches.length > 0) {
      return {
        needsIssuance: true,
        reason: 'SecretMismatch',
        message: `Issuing certificate as Existing issued Secret is not up to date for spec: [${mismatches.join(', ')}]`,
        info,
        ...keyFields,
      };
    }
  }
  if (now >= info.notAfter.getTime()) {
    return {
      needsIssuance: true,
      reason: 'Expired',
      message: `Certificate expired on ${info.notAfter.toISOString()}`,
      info,
      ...keyFields,
    };
  }
  const renewal = renewalTimeFor(certificate, info);
  if (now >= renewal.getTime()) {
    return {
      needsIssuance: true,
      reason: 'Renewing',
      message: `Renewing certificate as renewal was scheduled at ${renewal.toISOString()}`,
      info,
      ...keyFields,
    };
  }
  return { needsIssuance: false, info, ...keyFields, renewalTime: renewal };
}
