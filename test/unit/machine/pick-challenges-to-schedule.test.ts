import { describe, expect, it } from 'vitest';
import type { ACMEChallengeType, Challenge, ChallengePhase } from '../../../src/domain/types.js';
import { ValidationError } from '../../../src/errors.js';
import {
  defaultMaxConcurrentChallenges,
  pickChallengesToSchedule,
} from '../../../src/machine/index.js';
import { deepFreeze, makeChallenge, statusIn, thrown } from './fixtures.js';

interface Spec {
  name: string;
  phase?: ChallengePhase;
  dnsName?: string;
  type?: ACMEChallengeType;
  wildcard?: boolean;
  created?: string;
  namespace?: string;
  deleting?: boolean;
  /** For a terminal phase: whether its clean-up has run (the fixtures say it has not). */
  cleanedUp?: boolean;
}

// Challenge `name`, created at minute `created` of a day unless given, in `phase`.
function challenge(spec: Spec, minute: number): Challenge {
  const phase = spec.phase ?? 'Queued';
  return makeChallenge({
    name: spec.name,
    namespace: spec.namespace ?? 'default',
    dnsName: spec.dnsName ?? `${spec.name}.example.com`,
    type: spec.type ?? 'HTTP-01',
    creationTimestamp: spec.created ?? new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString(),
    ...(spec.wildcard === undefined ? {} : { wildcard: spec.wildcard }),
    ...(spec.deleting === true ? { deletionTimestamp: '2025-01-02T00:00:00Z' } : {}),
    ...(phase === 'Queued'
      ? {}
      : {
          status: {
            ...statusIn(phase),
            ...(spec.cleanedUp === undefined ? {} : { cleanedUp: spec.cleanedUp }),
          },
        }),
  });
}

const cases: { name: string; max: number; challenges: Spec[]; picked: string[] }[] = [
  { name: 'nothing queued', max: 5, challenges: [{ name: 'a', phase: 'Scheduled' }], picked: [] },
  { name: 'an empty list', max: 5, challenges: [], picked: [] },
  {
    name: 'all fit under the limit',
    max: 5,
    challenges: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    picked: ['a', 'b', 'c'],
  },
  {
    name: 'the limit cuts the oldest-first list',
    max: 2,
    challenges: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
    picked: ['a', 'b'],
  },
  {
    name: 'challenges in flight count against the limit',
    max: 3,
    challenges: [
      { name: 'x', phase: 'Scheduled' },
      { name: 'y', phase: 'Accepted' },
      { name: 'a' },
      { name: 'b' },
    ],
    picked: ['a'],
  },
  {
    name: 'every working phase is in flight',
    max: 4,
    challenges: [
      { name: 'p', phase: 'Scheduled' },
      { name: 'q', phase: 'Presenting' },
      { name: 'r', phase: 'SelfCheck' },
      { name: 's', phase: 'Accepted' },
      { name: 'a' },
    ],
    picked: [],
  },
  {
    name: 'terminal challenges that are cleaned up are not in flight',
    max: 1,
    challenges: [
      { name: 'v', phase: 'Valid', cleanedUp: true },
      { name: 'i', phase: 'Invalid', cleanedUp: true },
      { name: 'e', phase: 'Errored', cleanedUp: true },
      { name: 'x', phase: 'Expired', cleanedUp: true },
      { name: 'a' },
    ],
    picked: ['a'],
  },
  {
    name: 'a terminal challenge holds its slot until its clean-up has run',
    max: 1,
    challenges: [{ name: 'v', phase: 'Valid', cleanedUp: false }, { name: 'a' }],
    picked: [],
  },
  {
    name: 'more in flight than the limit (it was lowered) picks nothing',
    max: 1,
    challenges: [
      { name: 'x', phase: 'Scheduled' },
      { name: 'y', phase: 'Presenting' },
      { name: 'a' },
    ],
    picked: [],
  },
  {
    name: 'oldest first, whatever the input order',
    max: 10,
    challenges: [
      { name: 'c', created: '2025-01-01T00:03:00Z' },
      { name: 'a', created: '2025-01-01T00:01:00Z' },
      { name: 'b', created: '2025-01-01T00:02:00Z' },
    ],
    picked: ['a', 'b', 'c'],
  },
  {
    name: 'times compare as instants, not as text',
    max: 10,
    challenges: [
      { name: 'a', created: '2025-01-01T01:00:00+02:00' },
      { name: 'b', created: '2025-01-01T00:00:00.5Z' },
    ],
    picked: ['a', 'b'],
  },
  {
    name: 'same time: by name',
    max: 10,
    challenges: [
      { name: 'b', created: '2025-01-01T00:00:00Z' },
      { name: 'c', created: '2025-01-01T00:00:00Z' },
      { name: 'a', created: '2025-01-01T00:00:00Z' },
    ],
    picked: ['a', 'b', 'c'],
  },
  {
    name: 'same time and name: by namespace',
    max: 10,
    challenges: [
      { name: 'a', namespace: 'team-b', dnsName: 'b.example', created: '2025-01-01T00:00:00Z' },
      { name: 'a', namespace: 'team-a', dnsName: 'a.example', created: '2025-01-01T00:00:00Z' },
    ],
    picked: ['team-a/a', 'team-b/a'],
  },
  {
    name: 'no or unreadable creationTimestamp sorts last',
    max: 10,
    challenges: [
      { name: 'z', created: 'yesterday' },
      { name: 'b', created: '2030-01-01T00:00:00Z' },
      { name: 'a', created: 'later' },
    ],
    picked: ['b', 'a', 'z'],
  },
  {
    name: 'a name in flight for the same type waits',
    max: 10,
    challenges: [
      { name: 'x', phase: 'SelfCheck', dnsName: 'shop.example.com' },
      { name: 'a', dnsName: 'shop.example.com' },
      { name: 'b' },
    ],
    picked: ['b'],
  },
  {
    name: 'the same name for another type is independent',
    max: 10,
    challenges: [
      { name: 'x', phase: 'SelfCheck', dnsName: 'shop.example.com', type: 'HTTP-01' },
      { name: 'a', dnsName: 'shop.example.com', type: 'DNS-01' },
      { name: 'b', dnsName: 'shop.example.com', type: 'TLS-ALPN-01' },
    ],
    picked: ['a', 'b'],
  },
  {
    name: 'a name in a cleaned-up terminal challenge does not block',
    max: 10,
    challenges: [
      { name: 'x', phase: 'Invalid', dnsName: 'shop.example.com', cleanedUp: true },
      { name: 'a', dnsName: 'shop.example.com' },
    ],
    picked: ['a'],
  },
  {
    // Its clean-up could remove the record the next one for the name has just published.
    name: 'a name in a terminal challenge not yet cleaned up blocks',
    max: 10,
    challenges: [
      { name: 'x', phase: 'Valid', dnsName: 'shop.example.com', type: 'DNS-01' },
      { name: 'a', dnsName: 'shop.example.com', type: 'DNS-01' },
      { name: 'b', dnsName: 'other.example.com', type: 'DNS-01' },
    ],
    picked: ['b'],
  },
  {
    name: 'duplicates among the queued: the oldest goes, the rest wait',
    max: 10,
    challenges: [
      { name: 'late', dnsName: 'shop.example.com', type: 'DNS-01' },
      {
        name: 'early',
        dnsName: 'shop.example.com',
        type: 'DNS-01',
        created: '2024-06-01T00:00:00Z',
      },
      { name: 'other' },
    ],
    picked: ['early', 'other'],
  },
  {
    name: 'wildcard and apex of one name are one name',
    max: 10,
    challenges: [
      { name: 'a', dnsName: 'example.org', type: 'DNS-01', wildcard: true },
      { name: 'b', dnsName: 'example.org', type: 'DNS-01', wildcard: false },
      { name: 'c', dnsName: '*.example.org', type: 'DNS-01' },
    ],
    picked: ['a'],
  },
  {
    name: 'names compare without case or trailing dot',
    max: 10,
    challenges: [
      { name: 'x', phase: 'Presenting', dnsName: 'Shop.Example.com.', type: 'DNS-01' },
      { name: 'a', dnsName: 'shop.example.com', type: 'DNS-01' },
    ],
    picked: [],
  },
  {
    name: 'a skipped duplicate does not use up a slot',
    max: 2,
    challenges: [
      { name: 'a', dnsName: 'one.example' },
      { name: 'b', dnsName: 'one.example' },
      { name: 'c', dnsName: 'two.example' },
      { name: 'd', dnsName: 'three.example' },
    ],
    picked: ['a', 'c'],
  },
  {
    name: 'challenges being deleted are not started',
    max: 10,
    challenges: [{ name: 'a', deleting: true }, { name: 'b' }],
    picked: ['b'],
  },
  {
    name: 'a challenge in flight that is being deleted still counts',
    max: 1,
    challenges: [{ name: 'x', phase: 'Accepted', deleting: true }, { name: 'a' }],
    picked: [],
  },
];

const label = (c: Challenge) =>
  c.metadata.namespace === 'default'
    ? c.metadata.name
    : `${c.metadata.namespace}/${c.metadata.name}`;

describe('pickChallengesToSchedule', () => {
  it.each(cases)('$name', ({ max, challenges, picked }) => {
    const input = deepFreeze(challenges.map((spec, i) => challenge(spec, i)));
    const result = pickChallengesToSchedule(input, { maxConcurrentChallenges: max });
    expect(result.map(label)).toEqual(picked);
    // The picked challenges are the input objects, untouched: the caller schedules them.
    for (const c of result) expect(input).toContain(c);
  });

  it('never has more than the limit in flight over many rounds', () => {
    let all: Challenge[] = Array.from({ length: 200 }, (_, i) =>
      challenge({ name: `c${String(i).padStart(3, '0')}`, dnsName: `d${i % 50}.example` }, i),
    );
    const started: string[] = [];
    for (let round = 0; round < 100 && started.length < 200; round += 1) {
      const picked = new Set(pickChallengesToSchedule(all, { maxConcurrentChallenges: 7 }));
      started.push(...[...picked].map((c) => c.metadata.name));
      all = all.map((c) => {
        if (picked.has(c)) return { ...c, status: statusIn('Presenting') ?? {} };
        // Whatever was in flight finishes and is cleaned up, so the next round has room.
        if (c.status?.phase === 'Presenting') {
          return { ...c, status: { ...statusIn('Valid'), cleanedUp: true } };
        }
        return c;
      });
      const inFlight = all.filter((c) => c.status?.phase === 'Presenting');
      expect(inFlight.length).toBeLessThanOrEqual(7);
      const names = inFlight.map((c) => c.spec.dnsName);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(started).toHaveLength(200);
    expect(new Set(started).size).toBe(200);
  });

  it('defaults to 60 in the engine, as cert-manager', () => {
    expect(defaultMaxConcurrentChallenges).toBe(60);
  });

  it.each([0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects maxConcurrentChallenges %s',
    (max) => {
      const err = thrown(() => pickChallengesToSchedule([], { maxConcurrentChallenges: max }));
      expect(err).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ field: 'maxConcurrentChallenges' });
    },
  );

  it('names the challenge whose stored phase is unknown', () => {
    const bad = makeChallenge({ status: { phase: 'Solving' as ChallengePhase } });
    const err = thrown(() =>
      pickChallengesToSchedule([makeChallenge(), bad], { maxConcurrentChallenges: 5 }),
    );
    expect(err).toMatchObject({ code: 'ERR_VALIDATION', field: 'challenges[1].status.phase' });
  });
});
