// Which changes of an owned object requeue its owner: a Challenge only once it ends, a
// CertificateRequest only once it is no longer Pending, anything being deleted always.
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/domain/types.js';
import { ownerShouldSee } from '../../../src/engine/owner-notice.js';

function challenge(phase: string | undefined, deleting = false): Resource {
  return {
    apiVersion: 'acme.cert-manager.io/v1',
    kind: 'Challenge',
    metadata: {
      name: 'c',
      namespace: 'default',
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      url: 'https://acme.test/chall/1',
      authorizationURL: 'https://acme.test/authz/1',
      dnsName: 'web.example.test',
      type: 'HTTP-01',
      token: 't',
      key: 'k',
      solver: { http01: {} },
      issuerRef: { name: 'acme' },
    },
    ...(phase === undefined ? {} : { status: { phase } }),
  } as Resource;
}

function request(
  conditions: { type: string; status: string; reason?: string }[] | undefined,
  deleting = false,
): Resource {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'CertificateRequest',
    metadata: {
      name: 'r',
      namespace: 'default',
      ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { request: 'Q1NS', issuerRef: { name: 'acme' } },
    ...(conditions === undefined ? {} : { status: { conditions } }),
  } as Resource;
}

const approved = { type: 'Approved', status: 'True', reason: 'cert-manager.io' };

describe('ownerShouldSee', () => {
  it.each([
    ['a new Challenge (no phase)', challenge(undefined), false],
    ['a Queued Challenge', challenge('Queued'), false],
    ['a Scheduled Challenge', challenge('Scheduled'), false],
    ['a Presenting Challenge', challenge('Presenting'), false],
    ['a Challenge in SelfCheck', challenge('SelfCheck'), false],
    ['an Accepted Challenge', challenge('Accepted'), false],
    ['a Valid Challenge', challenge('Valid'), true],
    ['an Invalid Challenge', challenge('Invalid'), true],
    ['an Errored Challenge', challenge('Errored'), true],
    ['an Expired Challenge', challenge('Expired'), true],
    ['a Challenge of a phase this version does not know', challenge('Later'), true],
    ['a working Challenge being deleted', challenge('Presenting', true), true],
    ['a CertificateRequest with no status', request(undefined), false],
    ['an approved CertificateRequest', request([approved]), false],
    [
      'a Pending CertificateRequest',
      request([approved, { type: 'Ready', status: 'False', reason: 'Pending' }]),
      false,
    ],
    [
      'an Issued CertificateRequest',
      request([approved, { type: 'Ready', status: 'True', reason: 'Issued' }]),
      true,
    ],
    [
      'a Failed CertificateRequest',
      request([approved, { type: 'Ready', status: 'False', reason: 'Failed' }]),
      true,
    ],
    [
      'a Denied CertificateRequest',
      request([
        { type: 'Denied', status: 'True', reason: 'certflow.io' },
        { type: 'Ready', status: 'False', reason: 'Denied' },
      ]),
      true,
    ],
    [
      'a CertificateRequest with a Ready reason this version does not know',
      request([{ type: 'Ready', status: 'False', reason: 'InvalidRequest' }]),
      true,
    ],
    ['a Pending CertificateRequest being deleted', request([approved], true), true],
  ])('%s', (_label, child, expected) => {
    expect(ownerShouldSee(child)).toBe(expected);
  });

  it('always for kinds whose owners act on every change', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      data: {},
    } as Resource;
    expect(ownerShouldSee(secret)).toBe(true);
  });
});
