/**
 * IP address SANs: text to the 4 or 16 bytes of an iPAddress GeneralName, and back.
 *
 * @packageDocumentation
 */

const IPV4_PART = /^(?:0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * The bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address, or `undefined` when `text` is not
 * one.
 *
 * @remarks
 * IPv4 parts with leading zeros are refused (they read as octal in some parsers), as are IPv6
 * zone identifiers, which have no meaning in a certificate. An IPv4 address embedded in IPv6
 * (`::ffff:192.0.2.1`) stays 16 bytes.
 */
export function parseIpAddress(text: string): Uint8Array | undefined {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/**
 * The canonical text of a 4- or 16-byte address: dotted quad, or RFC 5952 IPv6 (lowercase,
 * longest zero run compressed); `undefined` for any other length.
 */
export function formatIpAddress(bytes: Uint8Array): string | undefined {
  if (bytes.byteLength === 4) return Array.from(bytes).join('.');
  if (bytes.byteLength !== 16) return undefined;
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1; // RFC 5952 4.2.2: a single zero group is not compressed
  for (let start = 0; start < 8;) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The canonical text of an IP address (RFC 5952 for IPv6), or `undefined` when `text`
 * is not an IP address.
 *
 * @remarks
 * Certificates carry addresses as bytes, so `2001:DB8::0:1` in a spec and `2001:db8::1` read back
 * from a certificate are the same address; compare canonical forms.
 *
 * @example
 * ```ts
 * canonicalIpAddress('2001:DB8:0:0::1'); // '2001:db8::1'
 * ```
 */
export function canonicalIpAddress(text: string): string | undefined {
  const bytes = parseIpAddress(text);
  return bytes === undefined ? undefined : formatIpAddress(bytes);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!IPV4_PART.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const explicit = head.length + tail.length;
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  for (const [i, group] of groups.entries()) {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  }
  return bytes;
}

/** Colon-separated groups; the last one may be a dotted IPv4 address worth two groups. */
function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else if (IPV6_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}
