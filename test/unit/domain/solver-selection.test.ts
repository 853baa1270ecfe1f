import { describe, expect, it } from 'vitest';
import { selectSolver } from '../../../src/domain/solver-selection.js';
import type { ACMEChallengeSolver, CertificateDNSNameSelector } from '../../../src/domain/types.js';

const http = (selector?: CertificateDNSNameSelector): ACMEChallengeSolver =>
  selector === undefined ? { http01: {} } : { http01: {}, selector };
const dns = (selector?: CertificateDNSNameSelector): ACMEChallengeSolver => {
  const solver: ACMEChallengeSolver = { dns01: { webhook: { groupName: 'g', solverName: 's' } } };
  return selector === undefined ? solver : { ...solver, selector };
};

type Case = [
  name: string,
  solvers: ACMEChallengeSolver[],
  target: { dnsName: string; wildcard?: boolean; labels?: Record<string, string> },
  expected: [index: number, type: 'HTTP-01' | 'DNS-01'] | undefined,
];

const cases: Case[] = [
  ['one http01 solver without selector', [http()], { dnsName: 'example.com' }, [0, 'HTTP-01']],
  ['no solvers', [], { dnsName: 'example.com' }, undefined],
  [
    'a wildcard cannot use HTTP-01',
    [http()],
    { dnsName: '*.example.com', wildcard: true },
    undefined,
  ],
  [
    'a wildcard falls through to DNS-01',
    [http(), dns()],
    { dnsName: '*.example.com', wildcard: true },
    [1, 'DNS-01'],
  ],
  [
    'without selectors the first solver wins',
    [http(), dns()],
    { dnsName: 'example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'a dnsZones match beats no selector',
    [http(), dns({ dnsZones: ['example.com'] })],
    { dnsName: 'www.example.com' },
    [1, 'DNS-01'],
  ],
  [
    'the longest matching zone wins',
    [dns({ dnsZones: ['example.com'] }), http({ dnsZones: ['sub.example.com'] })],
    { dnsName: 'a.sub.example.com' },
    [1, 'HTTP-01'],
  ],
  [
    'the longest zone wins in either order',
    [http({ dnsZones: ['sub.example.com'] }), dns({ dnsZones: ['example.com'] })],
    { dnsName: 'a.sub.example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'the longest zone within one selector counts',
    [http({ dnsZones: ['sub.example.com'] }), dns({ dnsZones: ['com', 'a.sub.example.com'] })],
    { dnsName: 'a.sub.example.com' },
    [1, 'DNS-01'],
  ],
  [
    'a zone matches by whole labels only',
    [http({ dnsZones: ['example.com'] })],
    { dnsName: 'badexample.com' },
    undefined,
  ],
  [
    'a zone matches the name itself',
    [http({ dnsZones: ['example.com'] })],
    { dnsName: 'example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'zones ignore case',
    [http(), dns({ dnsZones: ['Example.COM'] })],
    { dnsName: 'www.example.com' },
    [1, 'DNS-01'],
  ],
  [
    'an exact dnsNames match beats a longer zone',
    [dns({ dnsZones: ['www.example.com'] }), http({ dnsNames: ['www.example.com'] })],
    { dnsName: 'www.example.com' },
    [1, 'HTTP-01'],
  ],
  [
    'an exact dnsNames match beats a zone listed after it',
    [http({ dnsNames: ['www.example.com'] }), dns({ dnsZones: ['www.example.com'] })],
    { dnsName: 'www.example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'a dnsNames selector that does not match is skipped',
    [dns({ dnsNames: ['other.example.com'] }), http()],
    { dnsName: 'www.example.com' },
    [1, 'HTTP-01'],
  ],
  [
    'two dnsNames matches: the one with a zone wins',
    [
      http({ dnsNames: ['www.example.com'] }),
      dns({ dnsNames: ['www.example.com'], dnsZones: ['example.com'] }),
    ],
    { dnsName: 'www.example.com' },
    [1, 'DNS-01'],
  ],
  [
    'two dnsNames matches: more labels win',
    [
      http({ dnsNames: ['a.example.com'] }),
      dns({ dnsNames: ['a.example.com'], matchLabels: { tier: 'gold' } }),
    ],
    { dnsName: 'a.example.com', labels: { tier: 'gold' } },
    [1, 'DNS-01'],
  ],
  [
    'a zone match beats more labels',
    [http({ matchLabels: { a: '1', b: '2' } }), dns({ dnsZones: ['example.com'] })],
    { dnsName: 'www.example.com', labels: { a: '1', b: '2' } },
    [1, 'DNS-01'],
  ],
  [
    'same zone: more labels win',
    [
      http({ dnsZones: ['example.com'] }),
      dns({ dnsZones: ['example.com'], matchLabels: { a: '1' } }),
    ],
    { dnsName: 'www.example.com', labels: { a: '1' } },
    [1, 'DNS-01'],
  ],
  [
    'more matching labels win',
    [http({ matchLabels: { a: '1' } }), dns({ matchLabels: { a: '1', b: '2' } })],
    { dnsName: 'example.com', labels: { a: '1', b: '2', c: '3' } },
    [1, 'DNS-01'],
  ],
  [
    'a matchLabels selector beats no selector',
    [http(), dns({ matchLabels: { a: '1' } })],
    { dnsName: 'example.com', labels: { a: '1' } },
    [1, 'DNS-01'],
  ],
  [
    'a label with another value does not match',
    [http({ matchLabels: { a: '1' } }), dns()],
    { dnsName: 'example.com', labels: { a: '2' } },
    [1, 'DNS-01'],
  ],
  [
    'a missing label does not match',
    [http({ matchLabels: { a: '1' } })],
    { dnsName: 'example.com', labels: {} },
    undefined,
  ],
  [
    'all selector parts must match',
    [http({ matchLabels: { a: '1' }, dnsZones: ['example.com'] }), dns()],
    { dnsName: 'example.org', labels: { a: '1' } },
    [1, 'DNS-01'],
  ],
  [
    'ties keep the first solver',
    [http({ dnsZones: ['example.com'] }), dns({ dnsZones: ['example.com'] })],
    { dnsName: 'www.example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'an empty selector does not beat an earlier solver without one',
    [http(), dns({})],
    { dnsName: 'example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'a solver without selector does not beat an earlier match',
    [http({ dnsZones: ['example.com'] }), dns()],
    { dnsName: 'www.example.com' },
    [0, 'HTTP-01'],
  ],
  [
    'a wildcard name matches a wildcard dnsNames entry',
    [http(), dns({ dnsNames: ['*.example.com'] })],
    { dnsName: '*.example.com', wildcard: true },
    [1, 'DNS-01'],
  ],
  [
    'a wildcard name does not match the bare name',
    [dns({ dnsNames: ['example.com'] })],
    { dnsName: '*.example.com', wildcard: true },
    undefined,
  ],
  [
    'the *. prefix is added for a wildcard target',
    [dns({ dnsNames: ['*.example.com'] })],
    { dnsName: 'example.com', wildcard: true },
    [0, 'DNS-01'],
  ],
  [
    'a wildcard within a zone',
    [dns({ dnsZones: ['example.com'] })],
    { dnsName: '*.example.com', wildcard: true },
    [0, 'DNS-01'],
  ],
  [
    'an HTTP-01 selector match is unusable for a wildcard',
    [http({ dnsNames: ['*.example.com'] }), dns()],
    { dnsName: '*.example.com', wildcard: true },
    [1, 'DNS-01'],
  ],
  [
    'a solver with no challenge type is skipped',
    [{ selector: { dnsZones: ['example.com'] } }, dns()],
    { dnsName: 'www.example.com' },
    [1, 'DNS-01'],
  ],
];

describe("selectSolver follows cert-manager's precedence", () => {
  it.each(cases)('%s', (_name, solvers, target, expected) => {
    const picked = selectSolver(solvers, {
      dnsName: target.dnsName,
      wildcard: target.wildcard ?? false,
      labels: target.labels ?? {},
    });
    if (expected === undefined) {
      expect(picked).toBeUndefined();
      return;
    }
    expect(picked).toEqual({ solver: solvers[expected[0]], index: expected[0], type: expected[1] });
  });
});
