/**
 * A small allow-list schema language and the walker that checks a value against it, so that
 * every field certflow does not support is rejected by its path instead of being ignored.
 *
 * @packageDocumentation
 */
import { UnsupportedFieldError, ValidationError } from '../errors.js';

/** Checks a string and returns its normalised form; throws ValidationError naming `field`. */
export type StringCheck = (value: string, field: string) => string;

/** A node of the schema: what a value at one path may be. */
export type SchemaNode =
  | {
      readonly type: 'string';
      readonly enum?: readonly string[];
      readonly nonEmpty?: boolean;
      readonly maxLength?: number;
      readonly check?: StringCheck;
    }
  | { readonly type: 'boolean' }
  | { readonly type: 'integer'; readonly min?: number; readonly max?: number }
  | {
      readonly type: 'object';
      readonly fields: Readonly<Record<string, SchemaNode>>;
      readonly required?: readonly string[];
    }
  | { readonly type: 'array'; readonly items: SchemaNode }
  | { readonly type: 'map'; readonly values: SchemaNode; readonly key?: StringCheck }
  | { readonly type: 'json' }
  | { readonly type: 'unsupported'; readonly reason: string };

/** A string, optionally from a fixed set, non-empty, bounded or checked. */
export function str(
  options: {
    enum?: readonly string[];
    nonEmpty?: boolean;
    maxLength?: number;
    check?: StringCheck;
  } = {},
): SchemaNode {
  return { type: 'string', ...options };
}

/** A boolean. */
export function bool(): SchemaNode {
  return { type: 'boolean' };
}

/** An integer within `[min, max]`. */
export function int(min?: number, max?: number): SchemaNode {
  return {
    type: 'integer',
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
  };
}

/** An object with exactly these fields allowed; `required` ones must be present. */
export function obj(
  fields: Readonly<Record<string, SchemaNode>>,
  required: readonly string[] = [],
): SchemaNode {
  return { type: 'object', fields, required };
}

/** A list of items. */
export function arr(items: SchemaNode): SchemaNode {
  return { type: 'array', items };
}

/** A string-keyed map; `key` checks each key. */
export function map(values: SchemaNode, key?: StringCheck): SchemaNode {
  return key === undefined ? { type: 'map', values } : { type: 'map', values, key };
}

/** Any JSON value, copied as it is (solver `config`, resource `status`). */
export function json(): SchemaNode {
  return { type: 'json' };
}

/** A field cert-manager has and certflow does not implement. */
export function unsupported(reason: string): SchemaNode {
  return { type: 'unsupported', reason };
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of `key` under `parent`: `spec.dnsNames`, `data["tls.crt"]`. */
export function childPath(parent: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** The path of item `index` under `parent`: `spec.dnsNames[2]`. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** Whether `value` is a plain object (not an array, a class instance or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Copies a JSON value, rejecting anything JSON cannot hold. */
export function copyJson(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ValidationError(path, 'must be a finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => copyJson(item, indexPath(path, i)));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__') throw new UnsupportedFieldError(childPath(path, key));
      out[key] = copyJson(value[key], childPath(path, key));
    }
    return out;
  }
  throw new ValidationError(path, `must be JSON data, not ${describe(value)}`);
}

/**
 * Checks `value` against `node` and returns a normalised copy.
 *
 * @remarks
 * In an object, every key is first checked against the allow-list (an unknown key or a
 * known-but-unsupported one throws UnsupportedFieldError), then required fields, then each
 * value in input order. A field set to `null` counts as unset and is left out of the copy, as
 * the Kubernetes API server treats it.
 */
export function walk(value: unknown, node: SchemaNode, path: string): unknown {
  switch (node.type) {
    case 'string': {
      if (typeof value !== 'string') {
        throw new ValidationError(path, `must be a string, not ${describe(value)}`);
      }
      if (node.nonEmpty === true && value === '')
        throw new ValidationError(path, 'must not be empty');
      if (node.maxLength !== undefined && value.length > node.maxLength) {
        throw new ValidationError(path, `must be at most ${node.maxLength} characters`);
      }
      if (node.enum !== undefined && !node.enum.includes(value)) {
        throw new ValidationError(
          path,
          `${JSON.stringify(value)} is not supported: must be one of ${node.enum.join(', ')}`,
        );
      }
      return node.check === undefined ? value : node.check(value, path);
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw new ValidationError(path, `must be true or false, not ${describe(value)}`);
      }
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        const actual = typeof value === 'number' ? String(value) : describe(value);
        throw new ValidationError(path, `must be an integer, not ${actual}`);
      }
      if (node.min !== undefined && value < node.min) {
        throw new ValidationError(path, `must be at least ${node.min}`);
      }
      if (node.max !== undefined && value > node.max) {
        throw new ValidationError(path, `must be at most ${node.max}`);
      }
      return value;
    case 'object':
      return walkObject(value, node.fields, node.required ?? [], path);
    case 'array':
      if (!Array.isArray(value)) {
        throw new ValidationError(path, `must be a list, not ${describe(value)}`);
      }
      return value.map((item, i) => {
        if (item === null || item === undefined) {
          throw new ValidationError(indexPath(path, i), 'must not be null');
        }
        return walk(item, node.items, indexPath(path, i));
      });
    case 'map': {
      if (!isPlainObject(value)) {
        throw new ValidationError(path, `must be a map, not ${describe(value)}`);
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        const keyPath = childPath(path, key);
        if (key === '__proto__') throw new UnsupportedFieldError(keyPath);
        node.key?.(key, keyPath);
        out[key] = walk(value[key], node.values, keyPath);
      }
      return out;
    }
    case 'json':
      return copyJson(value, path);
    case 'unsupported':
      throw new UnsupportedFieldError(path, node.reason);
  }
}

function walkObject(
  value: unknown,
  fields: Readonly<Record<string, SchemaNode>>,
  required: readonly string[],
  path: string,
): Record<string, unknown> {
  if (!isPlainObject(value)) {
    throw new ValidationError(path, `must be an object, not ${describe(value)}`);
  }
  const keys = Object.keys(value);
  for (const key of keys) {
    const node = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (node === undefined) {
      throw new UnsupportedFieldError(
        childPath(path, key),
        'unknown field: certflow does not support it (check the spelling)',
      );
    }
    if (node.type === 'unsupported')
      throw new UnsupportedFieldError(childPath(path, key), node.reason);
  }
  for (const key of required) {
    if (value[key] === undefined || value[key] === null) {
      throw new ValidationError(childPath(path, key), 'is required');
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const field = value[key];
    const node = fields[key];
    if (field === null || field === undefined || node === undefined) continue;
    out[key] = walk(field, node, childPath(path, key));
  }
  return out;
}
