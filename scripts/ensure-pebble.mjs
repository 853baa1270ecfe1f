#!/usr/bin/env node
// Makes sure Pebble (the ACME test CA) and openssl are installed: installs the Debian packages when
// running as root, otherwise says how. Used by `npm test` and `npm run demo`.
import { execFileSync, spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

function have(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function ensurePebble() {
  const missing = [];
  if (!have('pebble') || !have('pebble-challtestsrv')) missing.push('pebble');
  if (!have('openssl')) missing.push('openssl');
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `Missing Debian packages: ${missing.join(' ')}. Install them with:\n` +
        `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  console.log(`Installing Debian packages: ${missing.join(' ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensurePebble();
