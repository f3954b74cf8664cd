#!/usr/bin/env node
// The tests run a real Mosquitto broker of their own (on a free loopback port, never on 1883).
// This makes sure the `mosquitto` program is there: it does nothing when it is, installs the Debian
// package when it is not and we run as root (a fresh container), and otherwise says what to do.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const SEARCHED = [...(process.env.PATH || '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'].filter(Boolean);

function findMosquitto() {
  for (const dir of SEARCHED) {
    const candidate = path.join(dir, 'mosquitto');
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

if (findMosquitto()) process.exit(0);

if (!isRoot() || !fs.existsSync('/usr/bin/apt-get')) {
  console.error(
    'The tests need the Mosquitto MQTT broker, and it is not installed.\n' +
      '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y mosquitto\n' +
      '  macOS:          brew install mosquitto\n' +
      'The tests start their own broker on a free port; a system broker on 1883 is left alone.',
  );
  process.exit(1);
}

console.log('Installing mosquitto (the tests run their own MQTT broker)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'mosquitto'], { stdio: 'inherit', env });
} catch (err) {
  console.error(`Installing mosquitto failed (${err.message}). Install it by hand: apt-get install -y mosquitto`);
  process.exit(1);
}

// The package may start a system broker on 1883. The tests never use it; stopping it keeps a test
// machine quiet, but a host who runs one on purpose keeps it (only a broker started just now is stopped).
if (fs.existsSync('/usr/sbin/service') && spawnSync('service', ['mosquitto', 'status'], { stdio: 'ignore' }).status === 0) {
  spawnSync('service', ['mosquitto', 'stop'], { stdio: 'ignore' });
}

if (!findMosquitto()) {
  console.error('mosquitto was installed but cannot be found on PATH or in /usr/sbin.');
  process.exit(1);
}
console.log('mosquitto is installed.');
