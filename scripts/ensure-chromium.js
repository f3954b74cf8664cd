#!/usr/bin/env node
// The guest check-in page is tested in a real browser: Debian's Chromium, driven by playwright-core.
// This makes sure /usr/bin/chromium is there: it does nothing when it is, installs the Debian package
// when it is not and we run as root (a fresh container), and otherwise says what to do. It never
// downloads a browser of its own.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const CHROMIUM = '/usr/bin/chromium';

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

if (fs.existsSync(CHROMIUM)) process.exit(0);

if (!isRoot() || !fs.existsSync('/usr/bin/apt-get')) {
  console.error(
    `The guest-page tests need Chromium at ${CHROMIUM}, and it is not installed.\n` +
      '  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y chromium\n' +
      'The tests drive it with playwright-core; no browser is downloaded.',
  );
  process.exit(1);
}

console.log('Installing chromium (the guest-page tests run it headless)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', env });
} catch (err) {
  console.error(`Installing chromium failed (${err.message}). Install it by hand: apt-get install -y chromium`);
  process.exit(1);
}

if (!fs.existsSync(CHROMIUM)) {
  console.error(`chromium was installed but ${CHROMIUM} is missing.`);
  process.exit(1);
}
console.log('chromium is installed.');
