import { describe, expect, it } from 'vitest';
import { getCondition, setCondition } from '../../../src/domain/conditions.js';
import type { Condition } from '../../../src/domain/types.js';

const t0 = new Date('2025-03-01T12:00:00.250Z');
const t1 = new Date('2025-03-01T13:30:00.900Z');

const issuing: Condition = {
  type: 'Issuing',
  status: 'True',
  reason: 'DoesNotExist',
  message: 'Issuing certificate as Secret does not exist',
  lastTransitionTime: '2025-03-01T11:00:00Z',
  observedGeneration: 1,
};
const ready: Condition = {
  type: 'Ready',
  status: 'False',
  reason: 'DoesNotExist',
  message: 'Issuing certificate as Secret does not exist',
  lastTransitionTime: '2025-03-01T11:00:00Z',
  observedGeneration: 1,
};

describe('getCondition', () => {
  it('finds a condition by type', () => {
    expect(getCondition([issuing, ready], 'Ready')).toBe(ready);
  });

  it('is undefined for a missing type or no conditions', () => {
    expect(getCondition([issuing], 'Ready')).toBeUndefined();
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
  });
});

describe('setCondition', () => {
  it('appends a new condition stamped with now (whole seconds) and the generation', () => {
    const next = setCondition(undefined, { type: 'Ready', status: 'Unknown' }, t0, 3);
    expect(next).toEqual([
      {
        type: 'Ready',
        status: 'Unknown',
        lastTransitionTime: '2025-03-01T12:00:00Z',
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps lastTransitionTime when the status does not change', () => {
    const next = setCondition(
      [issuing, ready],
      { type: 'Ready', status: 'False', reason: 'Pending', message: 'Waiting' },
      t1,
      2,
    );
    expect(next[1]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'Pending',
      message: 'Waiting',
      lastTransitionTime: '2025-03-01T11:00:00Z',
      observedGeneration: 2,
    });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const next = setCondition(
      [issuing, ready],
      { type: 'Ready', status: 'True', reason: 'Ready' },
      t1,
    );
    expect(getCondition(next, 'Ready')?.lastTransitionTime).toBe('2025-03-01T13:30:00Z');
  });

  it('ignores a lastTransitionTime passed in', () => {
    const next = setCondition(
      [ready],
      { type: 'Ready', status: 'True', lastTransitionTime: '2000-01-01T00:00:00Z' },
      t1,
    );
    expect(next[0]?.lastTransitionTime).toBe('2025-03-01T13:30:00Z');
  });

  it('replaces in place and leaves the others and the input alone', () => {
    const input = Object.freeze([Object.freeze({ ...issuing }), Object.freeze({ ...ready })]);
    const next = setCondition(input, { type: 'Issuing', status: 'False', reason: 'Done' }, t1, 2);
    expect(next).not.toBe(input);
    expect(next.map((c) => c.type)).toEqual(['Issuing', 'Ready']);
    expect(next[1]).toBe(input[1]);
    expect(input[0]).toEqual(issuing);
  });

  it('keeps the observedGeneration of the condition when no generation is given', () => {
    expect(
      setCondition([], { type: 'Ready', status: 'True', observedGeneration: 7 }, t0)[0],
    ).toEqual({
      type: 'Ready',
      status: 'True',
      lastTransitionTime: '2025-03-01T12:00:00Z',
      observedGeneration: 7,
    });
    expect(setCondition([], { type: 'Ready', status: 'True' }, t0)[0]).not.toHaveProperty(
      'observedGeneration',
    );
  });
});
