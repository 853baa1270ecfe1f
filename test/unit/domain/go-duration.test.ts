import { describe, expect, it } from 'vitest';
import { CertflowError } from '../../../src/errors.js';
import { formatGoDuration, parseGoDuration } from '../../../src/domain/duration.js';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

describe('parseGoDuration accepts what Go time.ParseDuration accepts', () => {
  it.each([
    ['2160h', 2160 * H],
    ['1h30m', H + 30 * M],
    ['90m', 90 * M],
    ['1.5h', 1.5 * H],
    ['3600s', H],
    ['1h0m0s', H],
    ['2160h0m0s', 2160 * H],
    ['0', 0],
    ['0s', 0],
    ['-1m', -M],
    ['+5s', 5 * S],
    ['.5s', 500],
    ['1.s', S],
    ['100ms', 100],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['1ns', 0.000001],
    ['1h1m1s1ms', H + M + S + 1],
    ['1m1.5s', M + 1500],
    ['0.000000001s', 0.000001],
  ])('%s = %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each([
    [''],
    ['1'],
    ['h'],
    ['90d'],
    ['1w'],
    ['1.2.3s'],
    ['--1s'],
    ['1h 30m'],
    [' 1h'],
    ['1e3s'],
    ['.s'],
    ['-'],
    ['9223372036854775808ns'],
    ['2562048h'],
  ])('rejects %j', (text) => {
    let err: unknown;
    try {
      parseGoDuration(text, 'spec.duration');
    } catch (e) {
      err = e;
    }
    expect(CertflowError.is(err, 'ERR_VALIDATION')).toBe(true);
    expect((err as { field: string }).field).toBe('spec.duration');
  });

  it('accepts the largest Go duration', () => {
    expect(parseGoDuration('9223372036854775807ns')).toBeCloseTo(9_223_372_036_854.775, 2);
    expect(parseGoDuration('-9223372036854775808ns')).toBeLessThan(0);
  });
});

describe('formatGoDuration writes what Go Duration.String() writes', () => {
  it.each([
    [0, '0s'],
    [2160 * H, '2160h0m0s'],
    [H + 30 * M, '1h30m0s'],
    [H, '1h0m0s'],
    [90 * M, '1h30m0s'],
    [1500, '1.5s'],
    [M + 1500, '1m1.5s'],
    [100, '100ms'],
    [1.5, '1.5ms'],
    [0.0015, '1.5µs'],
    [0.000001, '1ns'],
    [-M, '-1m0s'],
    [5 * M, '5m0s'],
  ])('%d ms = %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it.each([[2160 * H], [H + 30 * M + 1500], [123.456], [7], [-42 * S]])(
    'round-trips %d ms through parseGoDuration',
    (ms) => {
      expect(parseGoDuration(formatGoDuration(ms))).toBeCloseTo(ms, 6);
    },
  );
});
