import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKillEnvironment, type KillEnvironment } from '../../helpers/kill-harness.js';
import { expectRecovered } from '../../helpers/kill-expectations.js';

describe('SIGKILL while a challenge is being solved, then a restart on the same file store', () => {
  let env: KillEnvironment;
  beforeAll(async () => {
    env = await startKillEnvironment();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('in Presenting, right after the solver published, before presented was stored', async () => {
    const outcome = await env.killAndRestart('presented');
    // The kill left a record or a token published that the store did not know of.
    const { tokens, txt } = outcome.afterKill;
    expect(tokens.length + txt.length).toBe(1);
    expectRecovered('presented', outcome);
  });

  it('right after a challenge entered SelfCheck (presented)', async () => {
    const outcome = await env.killAndRestart('self-check');
    const { tokens, txt } = outcome.afterKill;
    expect(tokens.length + txt.length).toBeGreaterThan(0);
    expectRecovered('self-check', outcome);
  });

  it('in Accepted, right after the accept was sent, before it was stored', async () => {
    const outcome = await env.killAndRestart('accepted');
    const { tokens, txt } = outcome.afterKill;
    expect(tokens.length + txt.length).toBeGreaterThan(0);
    expectRecovered('accepted', outcome);
  });
});
