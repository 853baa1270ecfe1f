import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine.js';
import { CertflowError, type ValidationError } from '../../../src/errors.js';

describe('the acmeRequestTimeoutMs engine option', () => {
  it.each([0, -1, 1.5, 600_001, Number.NaN])('rejects %s naming the option', (value) => {
    let thrown: unknown;
    try {
      createEngine({ acmeRequestTimeoutMs: value });
    } catch (err) {
      thrown = err;
    }
    expect(CertflowError.is(thrown, 'ERR_VALIDATION')).toBe(true);
    expect((thrown as ValidationError).field).toBe('acmeRequestTimeoutMs');
  });

  it.each([1, 800, 600_000])('accepts %s', (value) => {
    expect(() => createEngine({ acmeRequestTimeoutMs: value })).not.toThrow();
  });
});
