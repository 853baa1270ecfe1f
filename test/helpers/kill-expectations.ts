import { expect } from 'vitest';
import type { KillOutcome, KillPoint } from './kill-harness.js';

/**
 * What every kill test asserts: the kill hit its point; the restart made the Certificate Ready;
 * no challenge is left presented; no token is served and no TXT record is left; and at most one
 * extra ACME order was created (exactly one when the kill lost an order's URL).
 */
export function expectRecovered(point: KillPoint, outcome: KillOutcome): void {
  const { first, second } = outcome;
  expect(first.signal, first.stderr).toBe('SIGKILL');
  expect(first.lines.at(-1)).toEqual({ type: 'kill-point', label: point });
  expect(
    second.lines.filter((l) => l.type === 'failed'),
    second.stderr,
  ).toEqual([]);
  expect(second.code).toBe(0);
  expect(second.lines.at(-1)).toEqual({ type: 'done', cleanedUp: true });

  const ready = outcome.certificate?.status?.conditions?.find((c) => c.type === 'Ready');
  expect(ready?.status).toBe('True');
  // The issuance was recorded as finished, however late the kill came: one revision, no key left
  // waiting in a next-private-key Secret.
  expect(outcome.certificate?.status?.revision).toBe(1);
  expect(outcome.certificate?.status?.nextPrivateKeySecretName).toBeUndefined();
  expect(outcome.secret?.data?.['tls.crt']).toContain('BEGIN CERTIFICATE');
  expect(outcome.challenges.length).toBeGreaterThan(0);
  for (const challenge of outcome.challenges) {
    expect(challenge.status?.phase).toBe('Valid');
    expect(challenge.status?.presented).toBe(false);
    expect(challenge.status?.cleanedUp).toBe(true);
  }
  expect(outcome.afterRestart).toEqual({ tokens: [], txt: [] });
  expect(outcome.servedAfterRestart).toEqual([]);
  expect(outcome.ordersCreated).toBe(point === 'order-created' ? 2 : 1);
}
