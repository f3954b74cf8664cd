#!/usr/bin/env node
// The shared-ledger tests (issue 18) use a PostgreSQL server on 127.0.0.1:5432 that lets the user
// `postgres` in without a password (trust), as this project's test machines run it; STAYKEY_TEST_PG
// names another. Tests that restart a database run a private server of their own (initdb, pg_ctl).
// This makes sure a server answers: it does nothing when one does, starts the machine's cluster when
// it is stopped, installs Debian's package when it is missing and we run as root (a fresh container),
// and otherwise says what to do.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');

if (process.env.STAYKEY_TEST_PG) process.exit(0);

const ready = () => spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q'], { stdio: 'ignore' }).status === 0;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const clusters = () => (fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b)) : []);

function explain(why) {
  console.error(
    `The tests need PostgreSQL on 127.0.0.1:5432 with trust auth for the user postgres (${why}).\n` +
      '  Debian/Ubuntu:  sudo apt-get install -y postgresql, then allow trust for 127.0.0.1 in pg_hba.conf\n' +
      '  or point STAYKEY_TEST_PG at a server: postgres://postgres@host:5432/postgres',
  );
  process.exit(1);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

if (spawnSync('pg_isready', ['--version'], { stdio: 'ignore' }).status === 0 && ready()) process.exit(0);

if (clusters().length === 0) {
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) explain('it is not installed');
  console.log('Installing PostgreSQL (the shared-ledger tests need a server)...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { stdio: 'inherit', env });
  } catch (err) {
    explain(`installing it failed: ${err.message}`);
  }
}

const version = clusters().pop();
if (!version) explain('no cluster under /etc/postgresql');
// No systemd in a container: Debian's cluster tools start it directly.
spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
for (let second = 0; second < 60 && !ready(); second++) sleep(1000);
if (!ready()) explain(`PostgreSQL ${version} did not accept connections within 60 s`);
console.log(`PostgreSQL ${version} is running.`);
