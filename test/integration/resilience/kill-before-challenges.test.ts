import { afterAll, beforeAll, describe, it } from 'vitest';
import { startKillEnvironment, type KillEnvironment } from '../../helpers/kill-harness.js';
import { expectRecovered } from '../../helpers/kill-expectations.js';

describe('SIGKILL before any challenge is solved, then a restart on the same file store', () => {
  let env: KillEnvironment;
  beforeAll(async () => {
    env = await startKillEnvironment();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('right after the ACME account was registered, before the Issuer recorded it', async () => {
    expectRecovered('account-registered', await env.killAndRestart('account-registered'));
  });

  it('right after the ACME order was created, before its URL was stored', async () => {
    expectRecovered('order-created', await env.killAndRestart('order-created'));
  });

  it('right after a challenge was Scheduled', async () => {
    expectRecovered('challenge-scheduled', await env.killAndRestart('challenge-scheduled'));
  });
});
