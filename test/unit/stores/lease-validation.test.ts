import { describe, expect, it } from 'vitest';
import { CertflowError, type ValidationError } from '../../../src/errors.js';
import { createLease } from '../../../src/stores/lease.js';
import { createMemoryStore } from '../../../src/stores/memory.js';
import { createFakeClock } from '../../../src/testing/fake-clock.js';

describe('lease: validation', () => {
  it.each([
    ['holder', { holder: '', ttlMs: 1_000 }],
    ['ttlMs', { holder: 'a', ttlMs: 0 }],
    ['ttlMs', { holder: 'a', ttlMs: -1 }],
    ['ttlMs', { holder: 'a', ttlMs: Number.NaN }],
  ])('rejects a bad %s', (field, options) => {
    let error: unknown;
    try {
      createLease(createMemoryStore(), { key: 'l', clock: createFakeClock(0), ...options });
    } catch (err) {
      error = err;
    }
    expect(CertflowError.is(error, 'ERR_VALIDATION')).toBe(true);
    expect((error as ValidationError).field).toBe(field);
  });

  it('refuses to take over a record that is not a lease', async () => {
    const store = createMemoryStore();
    await store.put('l', { spec: { dnsNames: ['a.example.com'] } });
    const lease = createLease(store, {
      key: 'l',
      holder: 'a',
      ttlMs: 10,
      clock: createFakeClock(0),
    });
    const error = await lease.tryAcquire().catch((err: unknown) => err);
    expect(CertflowError.is(error, 'ERR_STORE')).toBe(true);
    expect((error as Error).message).toContain('is not a lease');
    expect((await store.get('l'))?.value).toEqual({ spec: { dnsNames: ['a.example.com'] } });
  });
});
