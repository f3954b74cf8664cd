#!/usr/bin/env node
// The Flow Library scorecard (what `node-red-dev validate` reports), run in CI where the npm registry is
// reachable: the registry checks the tests cannot make offline (P06 against Node-RED's latest and
// maintenance releases, P07 against the latest release's Node, D03 dependency ranges against the
// latest versions), with the package checks beside them. Prints a table; `--write docs/scorecard.md`
// also keeps it for the README. Exits 1 when a check fails.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The semver Node-RED itself compares versions with.
const semver = require(require.resolve('semver', { paths: [path.dirname(require.resolve('node-red/package.json', { paths: [root] }))] }));

const PASS = 'pass';
const FAIL = 'FAIL';
const SKIP = 'not checked';

function npm(args) {
  // npm is a script: run it with the npm that came with this Node, wherever PATH points.
  const output = execFileSync('npm', [...args, '--json'], { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return output.trim() ? JSON.parse(output) : undefined;
}

function registry(args) {
  try {
    return { value: npm(args) };
  } catch (err) {
    return { error: String(err.stderr || err.message).split('\n').find((line) => line.trim()) || 'npm failed' };
  }
}

// ---------------------------------------------------------------------------------------------
// Package checks (P)

function packageChecks() {
  const scoped = /^@[a-z\d][\w-.]+\/[a-z\d][\w-.]*$/.test(pkg.name);
  return [
    ['P01', 'licence declared', pkg.license ? PASS : FAIL, pkg.license || 'no `license` in package.json'],
    ['P02', 'package name matches the repository', SKIP, 'needs the published repository (node-red-dev clones it)'],
    ['P03', 'repository or bugs link', pkg.repository || pkg.bugs ? PASS : FAIL, (pkg.bugs && pkg.bugs.url) || (pkg.repository && pkg.repository.url) || 'none'],
    ['P04', 'scoped name', scoped ? PASS : FAIL, pkg.name],
    ['P05', '`node-red` keyword', (pkg.keywords || []).includes('node-red') ? PASS : FAIL, (pkg.keywords || []).join(', ')],
    nodeRedVersionCheck(),
    nodeVersionCheck(),
    ['P08', 'no similar names in the catalogue', SKIP, 'needs catalogue.nodered.org'],
  ];
}

/** P06: `node-red.version` admits at least one release tagged latest or maintenance. */
function nodeRedVersionCheck() {
  const range = pkg['node-red'] && pkg['node-red'].version;
  if (!range) return ['P06', 'Node-RED version declared', FAIL, 'no `node-red.version`'];
  const tags = registry(['view', 'node-red', 'dist-tags']);
  if (tags.error) return ['P06', 'Node-RED version declared', SKIP, `registry: ${tags.error}`];
  const current = Object.entries(tags.value).filter(([tag]) => /maintenance|^latest$/.test(tag));
  const admitted = current.filter(([, version]) => semver.satisfies(version, range));
  const detail = `${range} admits ${current.map(([tag, version]) => `${version} (${tag})${admitted.some(([t]) => t === tag) ? '' : ' NOT'}`).join(', ')}`;
  return ['P06', 'Node-RED version declared', admitted.length > 0 ? PASS : FAIL, detail];
}

/** P07: `engines.node` admits the oldest Node the latest Node-RED runs on. */
function nodeVersionCheck() {
  const range = pkg.engines && pkg.engines.node;
  if (!range) return ['P07', 'Node version declared', FAIL, 'no `engines.node`'];
  const engines = registry(['view', 'node-red@latest', 'engines']);
  if (engines.error) return ['P07', 'Node version declared', SKIP, `registry: ${engines.error}`];
  const oldest = semver.minVersion(engines.value.node).version;
  return ['P07', 'Node version declared', semver.satisfies(oldest, range) ? PASS : FAIL, `${range} admits Node ${oldest} (the latest Node-RED's oldest, ${engines.value.node})`];
}

// ---------------------------------------------------------------------------------------------
// Node checks (N)

function nodeTypes() {
  return Object.values(pkg['node-red'].nodes).flatMap((file) => {
    const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
    return [...html.matchAll(/RED\.nodes\.registerType\(\s*['"]([^'"]+)['"]\s*,\s*\{/g)].map((match) => ({
      type: match[1],
      config: /category:\s*['"]config['"]/.test(html.slice(match.index, match.index + 400)),
    }));
  });
}

function exampleFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return exampleFiles(full);
    return entry.name.endsWith('.json') ? [full] : [];
  });
}

function nodeChecks() {
  const used = new Set(exampleFiles(path.join(root, 'examples')).flatMap((file) => JSON.parse(fs.readFileSync(file, 'utf8')).map((node) => node.type)));
  const nodes = nodeTypes().filter((node) => !node.config);
  const missing = nodes.filter((node) => !used.has(node.type)).map((node) => node.type);
  return [
    ['N01', 'node types unique in the catalogue', SKIP, 'needs catalogue.nodered.org; every type is prefixed `staykey-`'],
    ['N02', 'an example for every node', missing.length === 0 ? PASS : FAIL, missing.length ? `no example uses ${missing.join(', ')}` : `${nodes.length} node types in ${exampleFiles(path.join(root, 'examples')).length} examples`],
  ];
}

// ---------------------------------------------------------------------------------------------
// Dependency checks (D)

function versionsIn(tree, name, found = []) {
  for (const [dependency, info] of Object.entries((tree && tree.dependencies) || {})) {
    if (dependency === name && info.version) found.push(info.version);
    versionsIn(info, name, found);
  }
  return found;
}

function dependencyChecks() {
  const dependencies = Object.keys(pkg.dependencies || {});
  const checks = [['D01', 'at most six dependencies', dependencies.length <= 6 ? PASS : FAIL, `${dependencies.length}: ${dependencies.join(', ')}`]];

  let tree;
  try {
    tree = npm(['ls', '--omit=dev', '--all']);
  } catch (err) {
    // `npm ls` exits 1 on problems in the tree but still prints it.
    tree = err.stdout ? JSON.parse(err.stdout) : undefined;
  }
  const bad = versionsIn(tree, 'agent-base').filter((version) => semver.satisfies(version, '<6.0.0'));
  checks.push(['D02', 'no agent-base <6 in the tree', !tree ? SKIP : bad.length ? FAIL : PASS, !tree ? 'npm ls failed' : bad.length ? `agent-base ${bad.join(', ')}` : 'none in what a host installs']);

  const rows = latestVersions();
  const behind = rows.filter((row) => row.ok === false);
  const unknown = rows.filter((row) => row.ok === undefined);
  const result = behind.length ? FAIL : unknown.length ? SKIP : PASS;
  const detail = behind.length ? behind.map((row) => `${row.name} ${row.range} misses ${row.latest}`).join('; ') : unknown.length ? `registry: ${unknown[0].latest}` : 'every range admits the latest release';
  checks.push(['D03', 'ranges admit the latest versions', result, detail]);
  return { checks, rows };
}

/** Every runtime dependency (optional ones too) against the registry's latest release. */
function latestVersions() {
  const wanted = { ...(pkg.dependencies || {}), ...(pkg.optionalDependencies || {}) };
  return Object.entries(wanted).map(([name, range]) => {
    const latest = registry(['view', name, 'dist-tags.latest']);
    if (latest.error) return { name, range, latest: latest.error, ok: undefined };
    return { name, range, latest: latest.value, ok: semver.satisfies(latest.value, range) };
  });
}

// ---------------------------------------------------------------------------------------------

function markdownTable(header, rows) {
  const escape = (cell) => String(cell).replace(/\|/g, '\\|');
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

/** Checks the package fails on purpose, and why: shown under the table so a reader knows it is a choice. */
const DEPARTURES = {
  D01: "the seventh dependency is Seam's official client, @seamapi/http, which the Seam provider must use rather than hand-written HTTP (issue 15); the eighth is pg, the PostgreSQL client of the shared ledger (issue 18; pure JavaScript, loaded by every pin-issuer but used only with a staykey-postgres config); test/package.test.ts refuses any other addition.",
  D03: '@seamapi/http stays on 1.102: 1.113 and later require Node 22, and 2.x sends DELETE and PATCH where Seam\'s API reference documents POST and Seam\'s official fake accepts only POST; StayKey supports Node 20 and is tested against that fake.',
};

function main() {
  const { checks: dependencies, rows } = dependencyChecks();
  const checks = [...packageChecks(), ...nodeChecks(), ...dependencies];
  const table = markdownTable(['Check', 'What', 'Result', 'Detail'], checks);
  const latest = markdownTable(
    ['Dependency', 'Range', 'Latest', 'Admitted'],
    rows.map((row) => [row.name, row.range, row.latest, row.ok === undefined ? '?' : row.ok ? 'yes' : 'NO']),
  );
  const departures = checks.filter((check) => check[2] === FAIL && DEPARTURES[check[0]]).map((check) => `- ${check[0]}: ${DEPARTURES[check[0]]}`);
  const counts = [PASS, FAIL, SKIP].map((result) => `${checks.filter((check) => check[2] === result).length} ${result}`).join(', ');
  console.log(`Flow Library scorecard for ${pkg.name}@${pkg.version}\n\n${table}\n\n${latest}\n\nscorecard: ${counts}`);

  const target = process.argv[process.argv.indexOf('--write') + 1];
  if (process.argv.includes('--write') && target) {
    const day = new Date().toISOString().slice(0, 10);
    fs.writeFileSync(
      path.resolve(root, target),
      `# Flow Library scorecard\n\n` +
        `What \`node-red-dev validate\` checks before the Flow Library lists a package, for ${pkg.name}@${pkg.version} on ${day}. ` +
        `CI runs \`node scripts/ci/scorecard.js\` on every build (the registry checks need the npm registry); ` +
        `test/package.test.ts and test/examples.test.ts make the offline ones on every \`npm test\`. ` +
        `P02, P08 and N01 need the published repository and the public catalogue, which CI cannot reach.\n\n` +
        `${table}\n\n` +
        (departures.length ? `## Known departures\n\n${departures.join('\n')}\n\n` : '') +
        `## Dependencies against their latest releases (D03)\n\n${latest}\n\n` +
        `Regenerate with \`node scripts/ci/scorecard.js --write docs/scorecard.md\`.\n`,
    );
  }
  process.exitCode = checks.some((check) => check[2] === FAIL) ? 1 : 0;
}

main();
