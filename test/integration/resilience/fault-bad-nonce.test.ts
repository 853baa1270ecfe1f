import { describe, expect, it } from 'vitest';
import { expectNothingTerminal, runFaultSuite, summary } from '../../helpers/fault-suite.js';

describe('Pebble rejecting half of all nonces (PEBBLE_WFE_NONCEREJECT=50)', () => {
  it('issues all 20 certificates and ends nothing terminal', async () => {
    const run = await runFaultSuite({
      fault: 'none',
      pebbleEnv: { PEBBLE_WFE_NONCEREJECT: '50' },
    });
    console.log(summary(run));
    expect(run.stats.badNonce).toBeGreaterThan(20);
    expectNothingTerminal(run);
  }, 120_000);
});
