import { describe, expect, it } from 'vitest';
import { copyJson } from '../../../src/stores/json-value.js';

/** Every object and array in `value`, depth first. */
function containers(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(containers)];
}

describe('copyJson', () => {
  it.each<[string, unknown]>([
    ['a string', 'text'],
    ['a number', 42],
    ['null', null],
    ['a boolean', false],
    ['an empty object', {}],
    ['an array of mixed values', [1, 'a', null, true, [2], { b: 3 }]],
    [
      'a resource',
      {
        kind: 'Certificate',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: { dnsNames: ['a.example.com', 'b.example.com'], privateKey: { size: 256 } },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      },
    ],
  ])('copies %s deeply, sharing no object or array', (_case, value) => {
    const copy = copyJson(value);
    expect(copy).toEqual(value);
    const originals = new Set(containers(value));
    expect(containers(copy).filter((c) => originals.has(c))).toEqual([]);
  });

  it('keeps an own "__proto__" key as data, as JSON.parse makes it', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const copy = copyJson(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
