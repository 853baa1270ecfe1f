/**
 * Reading manifests: JSON or multi-document YAML text, one object, or an array of them.
 *
 * @packageDocumentation
 */
import { parseAllDocuments } from 'yaml';
import { CertflowError, ParseError, UnsupportedFieldError, ValidationError } from '../errors.js';
import { isNamespaced } from './keys.js';
import { isPlainObject } from './schema.js';
import type { Resource } from './types.js';
import { validateResource } from './validation.js';

// YAML aliases can expand exponentially ("billion laughs"); real manifests need few.
const MAX_ALIAS_COUNT = 100;

function parseText(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return [JSON.parse(trimmed) as unknown];
    } catch {
      // Not JSON after all: YAML (a superset) parses it or reports where it breaks.
    }
  }
  const values: unknown[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    const error = doc.errors[0];
    if (error !== undefined) {
      const where = error.linePos?.[0];
      const summary = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
      const message = where === undefined ? `${summary} (document ${index + 1})` : summary;
      throw new ParseError(`invalid YAML: ${message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw new ParseError(
        `invalid YAML in document ${index + 1}: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    // Empty documents (a stray `---`, only comments) are skipped.
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** Expands arrays and Kubernetes `List` objects into the objects they hold. */
function flatten(values: readonly unknown[], out: unknown[]): unknown[] {
  for (const value of values) {
    if (Array.isArray(value)) {
      flatten(value, out);
    } else if (isPlainObject(value) && value.kind === 'List' && value.apiVersion === 'v1') {
      const items = value.items ?? [];
      if (!Array.isArray(items))
        throw new ValidationError('items', 'a List must hold a list of items');
      flatten(items, out);
    } else {
      out.push(value);
    }
  }
  return out;
}

function withIndex(err: CertflowError, index: number): CertflowError {
  // With several resources, say which one is wrong: `[2].spec.dnsNames[0]`.
  if (err instanceof UnsupportedFieldError) {
    return new UnsupportedFieldError(`[${index}].${err.field}`, err.reason);
  }
  if (err instanceof ValidationError) {
    return new ValidationError(`[${index}].${err.field}`, err.reason, { cause: err.cause });
  }
  if (err instanceof ParseError) return new ParseError(`resource ${index}: ${err.message}`);
  return err;
}

/**
 * Parses manifests into validated, normalised resources.
 *
 * @remarks
 * `input` is JSON or YAML text (several documents separated by `---`; empty documents are
 * skipped), one object, or an array. Kubernetes `List` objects (`apiVersion: v1`,
 * `kind: List`, `items`) and nested arrays are expanded. Each object goes through
 * {@link validateResource}; namespaced kinds without `metadata.namespace` get `default`.
 * The result is made of copies: the input is never changed.
 *
 * When the input holds more than one resource, the field of a ValidationError or
 * UnsupportedFieldError starts with the resource's index (`[1].spec.dnsNames[0]`).
 * Nothing is returned unless every resource is valid.
 *
 * @throws ParseError for YAML or JSON syntax errors (with line and column) and for documents
 * that are not objects.
 * @throws ValidationError or UnsupportedFieldError for an invalid resource.
 *
 * @example
 * ```ts
 * const [issuer, certificate] = parseManifests(`
 * apiVersion: cert-manager.io/v1
 * kind: Issuer
 * metadata: { name: selfsigned }
 * spec: { selfSigned: {} }
 * ---
 * apiVersion: cert-manager.io/v1
 * kind: Certificate
 * metadata: { name: web }
 * spec:
 *   secretName: web-tls
 *   dnsNames: [example.com]
 *   issuerRef: { name: selfsigned }
 * `);
 * ```
 */
export function parseManifests(input: string | object | object[]): Resource[] {
  const values = typeof input === 'string' ? parseText(input) : [input];
  const objects = flatten(values, []);
  const several = objects.length > 1;
  return objects.map((value, index) => {
    let resource: Resource;
    try {
      resource = validateResource(value);
    } catch (err) {
      throw several && CertflowError.is(err) ? withIndex(err, index) : err;
    }
    if (isNamespaced(resource.kind) && resource.metadata.namespace === undefined) {
      resource.metadata.namespace = 'default';
    }
    return resource;
  });
}
