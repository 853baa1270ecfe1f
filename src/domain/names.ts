/**
 * Checks for the names resources carry: DNS names, IP addresses, URIs, email addresses,
 * Kubernetes object names, label keys and values. Each throws a ValidationError naming the
 * field, or returns the normalised value.
 *
 * @packageDocumentation
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { ValidationError } from '../errors.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LDH_LABEL = /^[a-z0-9-]+$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Printable ASCII: what an IA5String in a certificate can carry without surprises.
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

/**
 * A DNS-1123 label (a namespace): at most 63 lower-case letters, digits and hyphens, starting
 * and ending with a letter or digit.
 */
export function checkDns1123Label(value: string, field: string): string {
  if (value.length > 63)
    throw new ValidationError(field, `${quote(value)} is longer than 63 characters`);
  if (!DNS1123_LABEL.test(value)) {
    throw new ValidationError(
      field,
      `${quote(value)} must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  return value;
}

/**
 * A DNS-1123 subdomain (an object name): at most 253 characters of dot-separated DNS-1123
 * labels.
 */
export function checkDns1123Subdomain(value: string, field: string): string {
  if (value === '') throw new ValidationError(field, 'must not be empty');
  if (value.length > 253)
    throw new ValidationError(field, `${quote(value)} is longer than 253 characters`);
  if (!value.split('.').every((label) => DNS1123_LABEL.test(label))) {
    throw new ValidationError(
      field,
      `${quote(value)} must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit`,
    );
  }
  return value;
}

/** Options of {@link normaliseDnsName}. */
export interface DnsNameOptions {
  /**
   * Whether a wildcard leftmost label (`*.`) is allowed.
   * @defaultValue `true`
   */
  wildcard?: boolean;
}

/**
 * Checks a DNS name and returns it in the form certificates and ACME use: lower case,
 * internationalised labels as A-labels (`xn--...`), no trailing dot.
 *
 * @remarks
 * Rules: 1 to 63 characters per label, letters, digits and hyphens only, no hyphen at either
 * end of a label, no empty label, at most 253 characters in all; a wildcard only as the whole
 * leftmost label (`*.example.com`); one trailing dot (a fully-qualified name) is dropped; an
 * all-numeric last label is rejected (no top-level domain is numeric, and such names read as
 * IPv4 addresses). Non-ASCII names and `xn--` labels go through UTS #46 (`domainToASCII`),
 * which rejects invalid internationalised names.
 */
export function normaliseDnsName(
  value: string,
  field: string,
  options: DnsNameOptions = {},
): string {
  const fail = (reason: string): never => {
    throw new ValidationError(field, `${quote(value)} is not a valid DNS name: ${reason}`);
  };
  if (value === '') return fail('it is empty');
  if (isIP(value) !== 0) return fail('it is an IP address (IP addresses go in ipAddresses)');
  let name = value.endsWith('.') ? value.slice(0, -1) : value;
  let prefix = '';
  if (name.startsWith('*.')) {
    if (options.wildcard === false) return fail('a wildcard is not allowed here');
    prefix = '*.';
    name = name.slice(2);
  }
  if (name.includes('*')) {
    return fail(
      options.wildcard === false
        ? 'a wildcard is not allowed here'
        : "a wildcard is only allowed as the whole leftmost label ('*.')",
    );
  }
  if (name === '') return fail('it has an empty label');
  let ascii = name.toLowerCase();
  // eslint-disable-next-line no-control-regex
  const needsIdna = /[^\x00-\x7f]/.test(name) || ascii.split('.').some((l) => l.startsWith('xn--'));
  if (needsIdna) {
    ascii = domainToASCII(name);
    if (ascii === '') return fail('it is not a valid internationalised domain name');
  }
  const labels = ascii.split('.');
  labels.forEach((label, index) => {
    if (label === '') fail(`label ${index + 1} is empty`);
    if (label.length > 63) fail(`label ${quote(label)} is longer than 63 characters`);
    if (!LDH_LABEL.test(label)) fail(`label ${quote(label)} may hold only letters, digits and '-'`);
    if (label.startsWith('-') || label.endsWith('-')) {
      fail(`label ${quote(label)} must not start or end with '-'`);
    }
  });
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) fail('the last label must not be all digits');
  const normalised = `${prefix}${ascii}`;
  if (normalised.length > 253) fail('it is longer than 253 characters');
  return normalised;
}

/** An IPv4 or IPv6 address (no zone). Returned unchanged. */
export function checkIpAddress(value: string, field: string): string {
  if (isIP(value) === 0 || value.includes('%')) {
    throw new ValidationError(field, `${quote(value)} is not a valid IP address`);
  }
  return value;
}

/** An absolute URI with a scheme, in printable ASCII. Returned unchanged. */
export function checkUri(value: string, field: string): string {
  if (!PRINTABLE_ASCII.test(value)) {
    throw new ValidationError(field, `${quote(value)} must be printable ASCII with no spaces`);
  }
  if (!URI_SCHEME.test(value) || !URL.canParse(value)) {
    throw new ValidationError(field, `${quote(value)} is not an absolute URI with a scheme`);
  }
  return value;
}

/** An absolute `http:` or `https:` URL. Returned unchanged. */
export function checkHttpUrl(value: string, field: string, schemes = ['http:', 'https:']): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(field, `${quote(value)} is not an absolute URL`);
  }
  if (!schemes.includes(url.protocol) || url.hostname === '') {
    throw new ValidationError(
      field,
      `${quote(value)} must be an ${schemes.map((s) => s.replace(':', '')).join(' or ')} URL`,
    );
  }
  return value;
}

/**
 * An email address (`local@domain`), ASCII only as an rfc822Name must be, with no display
 * name. The domain is normalised as {@link normaliseDnsName} does (no wildcard).
 */
export function normaliseEmailAddress(value: string, field: string): string {
  const fail = (reason: string): never => {
    throw new ValidationError(field, `${quote(value)} is not a valid email address: ${reason}`);
  };
  if (!PRINTABLE_ASCII.test(value)) return fail('it must be ASCII with no spaces');
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return fail("it must have the form 'local@domain'");
  const local = value.slice(0, at);
  if (local.length > 64) fail('the local part is longer than 64 characters');
  if (!local.split('.').every((atom) => ATEXT.test(atom))) {
    fail('the local part has a character an address cannot hold unquoted');
  }
  let domain: string;
  try {
    domain = normaliseDnsName(value.slice(at + 1), field, { wildcard: false });
  } catch {
    return fail('the domain is not a valid DNS name');
  }
  return `${local}@${domain}`;
}

/**
 * A label or annotation key: an optional DNS-1123 subdomain prefix and `/`, then a name of at
 * most 63 characters (letters, digits, `-`, `_`, `.`, starting and ending alphanumeric).
 */
export function checkQualifiedName(key: string, field: string): string {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined) checkDns1123Subdomain(prefix, field);
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    throw new ValidationError(
      field,
      `key ${quote(key)} must be a qualified name: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, with an optional DNS subdomain prefix and '/'`,
    );
  }
  return key;
}

/** A label value: empty, or at most 63 characters like the name part of a qualified name. */
export function checkLabelValue(value: string, field: string): string {
  if (value !== '' && (value.length > 63 || !QUALIFIED_NAME.test(value))) {
    throw new ValidationError(
      field,
      `${quote(value)} must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
  return value;
}

/**
 * An RFC 2136 nameserver: `host`, `host:port`, `[ipv6]` or `[ipv6]:port`, where host is an IP
 * address or a DNS name. Returned unchanged.
 */
export function checkNameserver(value: string, field: string): string {
  const fail = (): never => {
    throw new ValidationError(
      field,
      `${quote(value)} must be host or host:port, where host is an IPv4 address, an IPv6 address in brackets or a hostname`,
    );
  };
  let host = value;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    port = bracketed[2];
    if (isIP(host) !== 6) fail();
  } else if (isIP(value) === 0) {
    const colon = value.lastIndexOf(':');
    if (colon !== -1) {
      host = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
    if (isIP(host) !== 4) {
      try {
        normaliseDnsName(host, field, { wildcard: false });
      } catch {
        fail();
      }
    }
  }
  if (port !== undefined && (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    fail();
  }
  return value;
}

/**
 * A Secret data key: letters, digits, `-`, `_` and `.`, at most 253 characters, as in
 * Kubernetes.
 */
export function checkSecretDataKey(key: string, field: string): string {
  if (
    key === '' ||
    key.length > 253 ||
    !/^[-._a-zA-Z0-9]+$/.test(key) ||
    key === '.' ||
    key === '..'
  ) {
    throw new ValidationError(
      field,
      `key ${quote(key)} must be at most 253 letters, digits, '-', '_' or '.' (and not '.' or '..')`,
    );
  }
  return key;
}
