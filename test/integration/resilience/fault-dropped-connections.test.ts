import { describe, expect, it } from 'vitest';
import { expectNothingTerminal, runFaultSuite, summary } from '../../helpers/fault-suite.js';

describe('20% of ACME connections dropped: before forwarding, after Pebble answered, mid-body', () => {
  it('issues all 20 certificates and ends nothing terminal', async () => {
    const run = await runFaultSuite({ fault: 'drop' });
    console.log(summary(run));
    for (const variant of ['drop:before', 'drop:after', 'drop:mid-body']) {
      expect(run.stats.injected[variant]).toBeGreaterThan(3);
    }
    expectNothingTerminal(run);
  }, 120_000);
});
