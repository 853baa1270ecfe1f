/**
 * The X.509 extensions certflow writes and reads: subjectAltName, keyUsage, extKeyUsage,
 * basicConstraints, subject and authority key identifiers.
 *
 * @packageDocumentation
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CryptoError, ValidationError } from '../errors.js';
import { oids, ownBytes, toHex } from './der.js';
import {
  bitStringOf,
  booleanOf,
  children,
  expect,
  latin1,
  oidOf,
  readDer,
  tags,
  valueOf,
  type Element,
} from './der-reader.js';
import {
  contextTag,
  derBitString,
  derBoolean,
  derElement,
  derOctetString,
  derOid,
  derSequence,
} from './der-writer.js';
import { formatIpAddress, parseIpAddress } from './ip.js';
import { decodeUsages, keyUsageBitString, keyUsageBitsFrom, type EncodedUsages } from './usages.js';
import { subtle } from './webcrypto.js';

/** Subject alternative names, as text. */
export interface SubjectAltNames {
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emailAddresses: string[];
}

/** What certflow reads from a list of extensions. */
export interface ExtensionInfo extends SubjectAltNames {
  usages: string[];
  isCA: boolean;
  subjectKeyIdentifier?: string;
  authorityKeyIdentifier?: string;
}

const GENERAL_NAME = { email: 1, dns: 2, uri: 6, ip: 7 } as const;
// IA5String is 7-bit ASCII; spaces and control characters have no place in a name.
const IA5_NO_SPACE = /^[\x21-\x7e]+$/;

/**
 * Checks SANs and returns the GeneralNames in Go's order (DNS, email, IP, URI).
 *
 * @remarks
 * Names must be ASCII (internationalised names arrive as A-labels), IP addresses must parse,
 * URIs must be absolute. A bad entry is a {@link ValidationError} at `dnsNames[i]` etc.
 */
export function generalNames(names: Partial<SubjectAltNames>): pkijs.GeneralName[] {
  const result: pkijs.GeneralName[] = [];
  for (const [i, name] of (names.dnsNames ?? []).entries()) {
    if (!IA5_NO_SPACE.test(name)) {
      throw new ValidationError(`dnsNames[${i}]`, 'must be a non-empty ASCII name (A-labels)');
    }
    result.push(new pkijs.GeneralName({ type: GENERAL_NAME.dns, value: name }));
  }
  for (const [i, email] of (names.emailAddresses ?? []).entries()) {
    if (!IA5_NO_SPACE.test(email) || !/^[^@]+@[^@]+$/.test(email)) {
      throw new ValidationError(`emailAddresses[${i}]`, 'must be an ASCII email address');
    }
    result.push(new pkijs.GeneralName({ type: GENERAL_NAME.email, value: email }));
  }
  for (const [i, ip] of (names.ipAddresses ?? []).entries()) {
    const bytes = parseIpAddress(ip);
    if (bytes === undefined) {
      throw new ValidationError(`ipAddresses[${i}]`, 'must be an IPv4 or IPv6 address');
    }
    result.push(
      new pkijs.GeneralName({
        type: GENERAL_NAME.ip,
        value: new asn1js.OctetString({ valueHex: ownBytes(bytes).buffer }),
      }),
    );
  }
  for (const [i, uri] of (names.uris ?? []).entries()) {
    if (!IA5_NO_SPACE.test(uri) || !URL.canParse(uri)) {
      throw new ValidationError(`uris[${i}]`, 'must be an absolute ASCII URI');
    }
    result.push(new pkijs.GeneralName({ type: GENERAL_NAME.uri, value: uri }));
  }
  return result;
}

/** subjectAltName; critical when the subject is empty (RFC 5280 4.2.1.6). */
export function subjectAltNameExtension(
  names: pkijs.GeneralName[],
  subjectEmpty: boolean,
): pkijs.Extension {
  return extension(oids.subjectAltName, subjectEmpty, new pkijs.GeneralNames({ names }).toSchema());
}

/** keyUsage (critical) and extKeyUsage, each only when it has something to say. */
export function usageExtensions({
  keyUsageBits,
  extKeyUsageOids,
}: EncodedUsages): pkijs.Extension[] {
  const result: pkijs.Extension[] = [];
  if (keyUsageBits !== 0) {
    const { bytes, unusedBits } = keyUsageBitString(keyUsageBits);
    result.push(
      extension(
        oids.keyUsage,
        true,
        new asn1js.BitString({ valueHex: ownBytes(bytes).buffer, unusedBits }),
      ),
    );
  }
  if (extKeyUsageOids.length > 0) {
    result.push(
      extension(
        oids.extKeyUsage,
        false,
        new pkijs.ExtKeyUsage({ keyPurposes: extKeyUsageOids }).toSchema(),
      ),
    );
  }
  return result;
}

/** basicConstraints, critical. */
export function basicConstraintsExtension(isCA: boolean): pkijs.Extension {
  return extension(
    oids.basicConstraints,
    true,
    new pkijs.BasicConstraints({ cA: isCA }).toSchema(),
  );
}

/** subjectKeyIdentifier. */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  return extension(
    oids.subjectKeyIdentifier,
    false,
    new asn1js.OctetString({ valueHex: ownBytes(keyId).buffer }),
  );
}

/** authorityKeyIdentifier with a keyIdentifier only. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  return extension(
    oids.authorityKeyIdentifier,
    false,
    new pkijs.AuthorityKeyIdentifier({
      keyIdentifier: new asn1js.OctetString({ valueHex: ownBytes(keyId).buffer }),
    }).toSchema(),
  );
}

/** cRLDistributionPoints: one distribution point per URI, each a fullName, as Go's x509 writes it. */
export function crlDistributionPointsExtension(uris: readonly string[]): pkijs.Extension {
  return extension(
    '2.5.29.31',
    false,
    new pkijs.CRLDistributionPoints({
      distributionPoints: uris.map(
        (uri) =>
          new pkijs.DistributionPoint({
            distributionPoint: [new pkijs.GeneralName({ type: 6, value: uri })],
          }),
      ),
    }).toSchema(),
  );
}

/** authorityInfoAccess: OCSP responders, then CA issuer URIs, as Go's x509 writes it. */
export function authorityInfoAccessExtension(
  ocspServers: readonly string[],
  issuingCertificateURLs: readonly string[],
): pkijs.Extension {
  const describe = (method: string) => (uri: string) =>
    new pkijs.AccessDescription({
      accessMethod: method,
      accessLocation: new pkijs.GeneralName({ type: 6, value: uri }),
    });
  return extension(
    '1.3.6.1.5.5.7.1.1',
    false,
    new pkijs.InfoAccess({
      accessDescriptions: [
        ...ocspServers.map(describe('1.3.6.1.5.5.7.48.1')),
        ...issuingCertificateURLs.map(describe('1.3.6.1.5.5.7.48.2')),
      ],
    }).toSchema(),
  );
}

function extension(
  extnID: string,
  critical: boolean,
  value: { toBER(sizeOnly?: boolean): ArrayBuffer },
): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/**
 * {@link generalNames} as DER GeneralName encodings: the same checks, field paths and order,
 * without building pkijs objects.
 *
 * @remarks
 * For the CSR, which is built on the hot path from DER pieces (see `der-writer.ts`). Each name
 * is its context tag (dNSName [2], rfc822Name [1], iPAddress [7], uniformResourceIdentifier [6])
 * over the IA5String characters or the address octets.
 */
export function generalNamesDer(names: Partial<SubjectAltNames>): Uint8Array[] {
  const result: Uint8Array[] = [];
  for (const [i, name] of (names.dnsNames ?? []).entries()) {
    if (!IA5_NO_SPACE.test(name)) {
      throw new ValidationError(`dnsNames[${i}]`, 'must be a non-empty ASCII name (A-labels)');
    }
    result.push(generalNameDer(GENERAL_NAME.dns, Buffer.from(name, 'latin1')));
  }
  for (const [i, email] of (names.emailAddresses ?? []).entries()) {
    if (!IA5_NO_SPACE.test(email) || !/^[^@]+@[^@]+$/.test(email)) {
      throw new ValidationError(`emailAddresses[${i}]`, 'must be an ASCII email address');
    }
    result.push(generalNameDer(GENERAL_NAME.email, Buffer.from(email, 'latin1')));
  }
  for (const [i, ip] of (names.ipAddresses ?? []).entries()) {
    const bytes = parseIpAddress(ip);
    if (bytes === undefined) {
      throw new ValidationError(`ipAddresses[${i}]`, 'must be an IPv4 or IPv6 address');
    }
    result.push(generalNameDer(GENERAL_NAME.ip, bytes));
  }
  for (const [i, uri] of (names.uris ?? []).entries()) {
    if (!IA5_NO_SPACE.test(uri) || !URL.canParse(uri)) {
      throw new ValidationError(`uris[${i}]`, 'must be an absolute ASCII URI');
    }
    result.push(generalNameDer(GENERAL_NAME.uri, Buffer.from(uri, 'latin1')));
  }
  return result;
}

/** A GeneralName of a primitive kind: `[kind] IMPLICIT` over the value octets. */
function generalNameDer(kind: number, value: Uint8Array): Uint8Array {
  return derElement(contextTag(kind, false), value);
}

/** {@link subjectAltNameExtension} as a DER Extension, from {@link generalNamesDer}'s names. */
export function subjectAltNameExtensionDer(
  names: readonly Uint8Array[],
  subjectEmpty: boolean,
): Uint8Array {
  return extensionDer(oids.subjectAltName, subjectEmpty, derSequence(...names));
}

/** {@link usageExtensions} as DER Extensions: keyUsage (critical) and extKeyUsage, when set. */
export function usageExtensionsDer({ keyUsageBits, extKeyUsageOids }: EncodedUsages): Uint8Array[] {
  const result: Uint8Array[] = [];
  if (keyUsageBits !== 0) {
    const { bytes, unusedBits } = keyUsageBitString(keyUsageBits);
    result.push(extensionDer(oids.keyUsage, true, derBitString(bytes, unusedBits)));
  }
  if (extKeyUsageOids.length > 0) {
    result.push(
      extensionDer(
        oids.extKeyUsage,
        false,
        derSequence(...extKeyUsageOids.map((oid) => derOid(oid))),
      ),
    );
  }
  return result;
}

/**
 * {@link basicConstraintsExtension} as a DER Extension, critical; cA is left out when false, its
 * DEFAULT, as DER requires.
 */
export function basicConstraintsExtensionDer(isCA: boolean): Uint8Array {
  return extensionDer(
    oids.basicConstraints,
    true,
    isCA ? derSequence(derBoolean(true)) : derSequence(),
  );
}

/** An Extension: critical is written only when true (DEFAULT FALSE), the value wrapped in octets. */
function extensionDer(extnID: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? derSequence(derOid(extnID), derBoolean(true), derOctetString(value))
    : derSequence(derOid(extnID), derOctetString(value));
}

/**
 * Reads SANs, usages, basicConstraints and key identifiers from a DER `Extensions` (SEQUENCE OF
 * Extension), or from none.
 *
 * @remarks
 * A malformed extension certflow reads throws a {@link CryptoError} instead of reading as
 * absent. Other GeneralName kinds (otherName, directoryName, ...) and unknown extensions are
 * skipped; when an extension appears twice, the SANs add up and the last one wins otherwise.
 */
export function readExtensions(extensions: Element | undefined): ExtensionInfo {
  const info: ExtensionInfo = {
    dnsNames: [],
    ipAddresses: [],
    uris: [],
    emailAddresses: [],
    usages: [],
    isCA: false,
  };
  let keyUsageBits = 0;
  let extKeyUsageOids: string[] = [];
  const list = extensions === undefined ? [] : children(extensions, 'extensions');
  for (const ext of list) {
    const [id, second, third, extra] = children(
      expect(ext, tags.sequence, 'extension'),
      'extension',
    );
    const oid = oidOf(id, 'extension');
    const what = `extension ${oid}`;
    // critical is optional (DEFAULT FALSE); it does not change what certflow reads.
    const octets = second?.tag === tags.boolean ? third : second;
    if (extra !== undefined || (second?.tag === tags.boolean && third === undefined)) {
      throw new CryptoError(`${what} is malformed`);
    }
    const value = readDer(valueOf(expect(octets, tags.octetString, what)), what);
    switch (oid) {
      case oids.subjectAltName:
        readGeneralNames(value, info, what);
        break;
      case oids.keyUsage:
        if (value.tag === tags.bitString) keyUsageBits = keyUsageBitsFrom(bitStringOf(value, what));
        break;
      case oids.extKeyUsage:
        extKeyUsageOids = children(expect(value, tags.sequence, what), what).map((purpose) =>
          oidOf(purpose, what),
        );
        break;
      case oids.basicConstraints: {
        const [cA, pathLength, more] = children(expect(value, tags.sequence, what), what);
        const pathLen = cA?.tag === tags.boolean ? pathLength : cA;
        if (more !== undefined || (pathLen !== undefined && pathLen.tag !== tags.integer)) {
          throw new CryptoError(`${what} is malformed`);
        }
        info.isCA = cA?.tag === tags.boolean && booleanOf(cA, what);
        break;
      }
      case oids.subjectKeyIdentifier:
        if (value.tag === tags.octetString) info.subjectKeyIdentifier = toHex(valueOf(value));
        break;
      case oids.authorityKeyIdentifier:
        for (const field of children(expect(value, tags.sequence, what), what)) {
          // keyIdentifier [0], authorityCertIssuer [1], authorityCertSerialNumber [2]
          if (field.tag === 0x80) info.authorityKeyIdentifier = toHex(valueOf(field));
          else if (field.tag !== 0xa1 && field.tag !== 0x82) {
            throw new CryptoError(`${what} is malformed`);
          }
        }
        break;
    }
  }
  info.usages = decodeUsages(keyUsageBits, extKeyUsageOids);
  return info;
}

/**
 * GeneralName tags: otherName [0], rfc822Name [1], dNSName [2], x400Address [3],
 * directoryName [4], ediPartyName [5], uniformResourceIdentifier [6], iPAddress [7],
 * registeredID [8]. The string kinds and iPAddress are primitive, the others constructed.
 */
const GENERAL_NAME_TAGS = new Set([0xa0, 0x81, 0x82, 0xa3, 0xa4, 0xa5, 0x86, 0x87, 0x88]);

function readGeneralNames(names: Element, info: SubjectAltNames, what: string): void {
  for (const name of children(expect(names, tags.sequence, what), what)) {
    if (!GENERAL_NAME_TAGS.has(name.tag)) throw new CryptoError(`${what} is malformed`);
    const value = valueOf(name);
    // Context-specific primitive tags; the string kinds are IA5String, one character per octet.
    const kind = name.tag & 0x1f;
    if (name.tag !== (0x80 | kind)) continue;
    if (kind === GENERAL_NAME.dns) info.dnsNames.push(latin1(value));
    else if (kind === GENERAL_NAME.email) info.emailAddresses.push(latin1(value));
    else if (kind === GENERAL_NAME.uri) info.uris.push(latin1(value));
    else if (kind === GENERAL_NAME.ip) {
      const text = formatIpAddress(value);
      if (text !== undefined) info.ipAddresses.push(text);
    }
  }
}

/** A key identifier for `spki`: SHA-256 of the subjectPublicKey bits, cut to 160 bits (RFC 7093). */
export async function keyIdentifier(spki: Uint8Array): Promise<Uint8Array> {
  const [, publicKey] = children(
    expect(readDer(spki, 'public key'), tags.sequence, 'public key'),
    'public key',
  );
  const bits = ownBytes(bitStringOf(publicKey, 'public key'));
  return new Uint8Array(await subtle().digest('SHA-256', bits)).subarray(0, 20);
}
