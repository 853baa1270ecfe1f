import { describe, expect, it } from 'vitest';
import { expectNothingTerminal, runFaultSuite, summary } from '../../helpers/fault-suite.js';

describe("20% of ACME responses slower than certflow's request timeout", () => {
  it('times those requests out, retries them, and issues all 20 certificates', async () => {
    const run = await runFaultSuite({ fault: 'slow', acmeRequestTimeoutMs: 800, slowMs: 1_500 });
    console.log(summary(run));
    expect(run.stats.injected['slow:before']).toBeGreaterThan(5);
    expect(run.stats.injected['slow:after']).toBeGreaterThan(5);
    expect(run.errorEvents.some((e) => /timed out after 800 ms/.test(e.error.message))).toBe(true);
    expectNothingTerminal(run);
  }, 120_000);
});
