import { describe, expect, it } from 'vitest';
import { expectNothingTerminal, runFaultSuite, summary } from '../../helpers/fault-suite.js';

describe('20% of ACME requests answered 500, before or after Pebble did the work', () => {
  it('issues all 20 certificates and ends nothing terminal', async () => {
    const run = await runFaultSuite({ fault: 'http500' });
    console.log(summary(run));
    expect(run.stats.injected['http500:before']).toBeGreaterThan(5);
    expect(run.stats.injected['http500:after']).toBeGreaterThan(5);
    expectNothingTerminal(run);
  }, 120_000);
});
