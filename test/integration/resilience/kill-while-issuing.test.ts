import { afterAll, beforeAll, describe, it } from 'vitest';
import { startKillEnvironment, type KillEnvironment } from '../../helpers/kill-harness.js';
import { expectRecovered } from '../../helpers/kill-expectations.js';

describe('SIGKILL after the challenges, while the certificate is issued, then a restart', () => {
  let env: KillEnvironment;
  beforeAll(async () => {
    env = await startKillEnvironment();
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('right after the order was finalized, before its state was stored', async () => {
    expectRecovered('order-finalized', await env.killAndRestart('order-finalized'));
  });

  it('right after the certificate was downloaded, before the Order stored it', async () => {
    expectRecovered('certificate-downloaded', await env.killAndRestart('certificate-downloaded'));
  });

  it("right after the Secret was written, before the Certificate's status was", async () => {
    expectRecovered('secret-written', await env.killAndRestart('secret-written'));
  });
});
