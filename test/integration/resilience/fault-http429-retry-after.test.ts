import { describe, expect, it } from 'vitest';
import { expectNothingTerminal, runFaultSuite, summary } from '../../helpers/fault-suite.js';

describe('20% of ACME requests answered 429 with Retry-After', () => {
  it('issues all 20 certificates, and no request reaches a held URL before its time', async () => {
    const run = await runFaultSuite({ fault: 'http429', retryAfterSeconds: 1 });
    console.log(summary(run));
    expect(run.stats.injected['http429']).toBeGreaterThan(10);
    expect(run.stats.retryAfterViolations).toEqual([]);
    // The held URLs were asked again once their time had come.
    expect(run.stats.retriesAfterHold).toBeGreaterThan(5);
    expectNothingTerminal(run);
  }, 120_000);
});
