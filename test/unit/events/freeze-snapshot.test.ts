import { describe, expect, it } from 'vitest';
import { freezeSnapshot } from '../../../src/events.js';

/** Every object and array in `value`, depth first. */
function containers(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(containers)];
}

const certificate = () => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'web', namespace: 'default', resourceVersion: '3-abc' },
  spec: { secretName: 'web-tls', dnsNames: ['a.example.com'], issuerRef: { name: 'le' } },
  status: { conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1 }] },
});

describe('freezeSnapshot', () => {
  it('returns an equal, deeply frozen copy and leaves the original as it was', () => {
    const original = certificate();
    const snapshot = freezeSnapshot(original);
    expect(snapshot).toEqual(certificate());
    const originals = new Set(containers(original));
    for (const container of containers(snapshot)) {
      expect(Object.isFrozen(container)).toBe(true);
      expect(originals.has(container)).toBe(false);
    }
    expect(containers(original).some((c) => Object.isFrozen(c))).toBe(false);
    expect(() => {
      (snapshot.spec.dnsNames as string[]).push('b.example.com');
    }).toThrow(TypeError);
    original.spec.dnsNames.push('b.example.com');
    expect(snapshot.spec.dnsNames).toEqual(['a.example.com']);
  });

  it('copies values that are not plain JSON data with the structured clone algorithm', () => {
    const at = new Date(Date.UTC(2025, 0, 1));
    const snapshot = freezeSnapshot({ at, error: new Error('boom'), list: [new Map([[1, 2]])] });
    expect(snapshot.at).toBeInstanceOf(Date);
    expect(snapshot.at).not.toBe(at);
    expect(snapshot.at.getTime()).toBe(at.getTime());
    expect(snapshot.error).toBeInstanceOf(Error);
    expect(snapshot.error.message).toBe('boom');
    expect(Object.isFrozen(snapshot.error)).toBe(true);
    expect(snapshot.list[0]?.get(1)).toBe(2);
  });

  it('keeps an own "__proto__" key as data', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"a":2}') as Record<string, unknown>;
    const snapshot = freezeSnapshot(value);
    expect(Object.getPrototypeOf(snapshot)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(snapshot, '__proto__')?.value).toEqual({ x: 1 });
    expect(snapshot['a']).toBe(2);
  });

  it.each<[string, unknown]>([
    ['a string', 'text'],
    ['a number', 1],
    ['null', null],
    ['undefined', undefined],
  ])('returns %s as it is', (_case, value) => {
    expect(freezeSnapshot(value)).toBe(value);
  });
});
