import { describe, expect, it } from 'vitest';
import { transitionChallenge } from '../../../src/machine/index.js';
import { NOW, at, deepFreeze, makeChallenge } from './fixtures.js';

describe('schedule: Queued → Scheduled', () => {
  it.each([
    { name: 'default timeout (1 hour)', policy: undefined, deadline: at(3_600_000) },
    { name: 'custom timeoutMs', policy: { timeoutMs: 90_000 }, deadline: at(90_000) },
    { name: 'zero timeoutMs', policy: { timeoutMs: 0 }, deadline: at(0) },
  ])('sets scheduledAt, deadline and the first attempt ($name)', ({ policy, deadline }) => {
    const ctx = policy === undefined ? { now: NOW } : { now: NOW, policy };
    const { next, effects } = transitionChallenge(
      deepFreeze(makeChallenge()),
      { type: 'schedule' },
      ctx,
    );
    expect(next.status).toEqual({
      phase: 'Scheduled',
      scheduledAt: at(0),
      deadline,
      attempts: 0,
      nextAttemptAt: at(0),
    });
    expect(effects).toEqual([{ type: 'sync' }]);
  });

  it('treats a status without a phase as Queued and keeps its other fields', () => {
    const challenge = deepFreeze(makeChallenge({ status: { presented: false } }));
    const { next } = transitionChallenge(challenge, { type: 'schedule' }, { now: NOW });
    expect(next.status).toMatchObject({ phase: 'Scheduled', presented: false });
  });

  it('leaves metadata and spec as they are', () => {
    const challenge = deepFreeze(makeChallenge());
    const { next } = transitionChallenge(challenge, { type: 'schedule' }, { now: NOW });
    expect(next.metadata).toEqual(challenge.metadata);
    expect(next.spec).toEqual(challenge.spec);
    expect(next.kind).toBe('Challenge');
    expect(next.apiVersion).toBe('acme.cert-manager.io/v1');
  });
});
