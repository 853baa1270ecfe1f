/**
 * PEM (RFC 7468) encoding and decoding.
 *
 * @packageDocumentation
 */

import { CryptoError } from '../errors.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One decoded PEM block. */
export interface PemBlock {
  /** The label between `BEGIN` and the dashes, such as `CERTIFICATE`. */
  label: string;
  /** The decoded bytes. */
  der: Uint8Array;
}

/**
 * Every PEM block in `text`, in input order.
 *
 * @remarks
 * Text around and between blocks is ignored (RFC 7468 explanatory text). A block whose END label
 * does not match its BEGIN label, whose body is not base64, or that carries RFC 1421 headers (the
 * legacy `Proc-Type: 4,ENCRYPTED` form) is an error rather than skipped, so a damaged key or
 * certificate is reported instead of silently missing.
 */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1] ?? '';
    if (match[3] !== label) {
      throw new CryptoError(`PEM block "${label}" ends with "${match[3] ?? ''}"`);
    }
    const body = match[2] ?? '';
    if (body.includes(':')) {
      throw new CryptoError(
        `PEM block "${label}" has headers; encrypted or legacy PEM is not supported`,
      );
    }
    const base64 = body.replace(/\s+/g, '');
    if (base64 === '' || base64.length % 4 !== 0 || !BASE64.test(base64)) {
      throw new CryptoError(`PEM block "${label}" is not valid base64`);
    }
    blocks.push({ label, der: new Uint8Array(Buffer.from(base64, 'base64')) });
  }
  return blocks;
}

/**
 * Encodes `der` as a PEM block with 64-character lines and a trailing newline.
 *
 * @example
 * ```ts
 * const pem = pemEncode('CERTIFICATE', der);
 * ```
 */
export function pemEncode(label: string, der: Uint8Array): string {
  if (!/^[A-Z0-9]+(?: [A-Z0-9]+)*$/.test(label)) {
    throw new CryptoError(`invalid PEM label ${JSON.stringify(label)}`);
  }
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Decodes the first PEM block of `pem`, or the first one with the given label.
 *
 * @remarks Throws a {@link CryptoError} when no such block exists or the block is malformed.
 *
 * @example
 * ```ts
 * const der = pemDecode(certificatePem, 'CERTIFICATE');
 * ```
 */
export function pemDecode(pem: string, label?: string): Uint8Array {
  const block = pemBlocks(pem).find(
    (candidate) => label === undefined || candidate.label === label,
  );
  if (block === undefined) {
    throw new CryptoError(
      label === undefined ? 'no PEM block found' : `no "${label}" PEM block found`,
    );
  }
  return block.der;
}

/**
 * Every `CERTIFICATE` block of a PEM bundle, re-encoded in the canonical form of
 * {@link pemEncode}, in input order.
 *
 * @remarks Blocks with other labels are skipped; text without certificates gives `[]`.
 *
 * @example
 * ```ts
 * const [leaf, ...intermediates] = splitPemChain(secret.data['tls.crt']);
 * ```
 */
export function splitPemChain(pem: string): string[] {
  return pemBlocks(pem)
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => pemEncode('CERTIFICATE', block.der));
}

/**
 * The DER bytes of a PEM text or of bytes that are either DER or PEM text.
 *
 * @remarks
 * Bytes starting with a SEQUENCE tag are taken as DER; anything else is read as PEM text, so a
 * file read with `fs.readFile()` works whichever encoding it has.
 */
export function derFromInput(input: string | Uint8Array, labels: readonly string[]): Uint8Array {
  const text =
    typeof input === 'string' ? input : input[0] === 0x30 ? undefined : decodeText(input);
  // A copy, so the parsed result never aliases (or is changed through) the caller's bytes.
  if (text === undefined) return new Uint8Array(input as Uint8Array);
  const block = pemBlocks(text).find((candidate) => labels.includes(candidate.label));
  if (block === undefined) {
    throw new CryptoError(`no ${labels.map((label) => `"${label}"`).join(' or ')} PEM block found`);
  }
  return block.der;
}

function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    throw new CryptoError('input is neither DER nor PEM text', { cause: err });
  }
}
