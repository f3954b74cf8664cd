/**
 * `npm audit --omit=dev --audit-level=high`: no high or critical advisory in what a host installs with
 * StayKey. Machines without the registry's audit endpoint (no DNS, no route, or a registry proxy that
 * refuses the bulk advisory POST) cannot answer; then, and only then, the check is skipped with the
 * reason printed.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from './support/red-process';

interface AuditReport {
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity: string; via: unknown[] }>;
  error?: { code?: string; summary?: string };
  code?: string;
  statusCode?: number;
  message?: string;
}

/** npm's answer when it never got an audit from the registry: a network failure or a proxy that refuses audits. */
function unreachable(output: string, report: AuditReport | undefined): string | undefined {
  const network = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\b/.exec(output);
  if (network) return `npm cannot reach the audit endpoint (${network[1]})`;
  const status = report?.statusCode ?? Number(/\b(40[3-7]|50[234]) [A-Z][A-Za-z ]+ - POST \S+advisories/.exec(output)?.[1] ?? NaN);
  if ([403, 404, 405, 407, 502, 503, 504].includes(status) && /advisories|audit endpoint/i.test(output)) {
    return `the registry (or a proxy in front of it) refuses the audit request: HTTP ${status}`;
  }
  return undefined;
}

describe('security: npm audit of the runtime dependencies', function () {
  this.timeout(180_000);

  it('finds no high or critical advisory in the dependencies a host installs', function () {
    const root = packageRoot();
    assert.ok(fs.existsSync(path.join(root, 'package-lock.json')), `npm audit needs ${root}/package-lock.json`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['audit', '--omit=dev', '--audit-level=high', '--json'], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
    let report: AuditReport | undefined;
    try {
      report = JSON.parse(run.stdout) as AuditReport;
    } catch {
      report = undefined;
    }
    const why = run.status === 0 ? undefined : unreachable(output, report);
    if (why) {
      console.log(`      SKIPPED npm audit: ${why}`);
      this.skip();
    }
    assert.ok(report?.metadata?.vulnerabilities, `npm audit gave no report (exit ${run.status}):\n${output.slice(0, 2000)}`);
    const serious = Object.entries(report.vulnerabilities ?? {})
      .filter(([, advisory]) => advisory.severity === 'high' || advisory.severity === 'critical')
      .map(([name, advisory]) => `${name} (${advisory.severity})`);
    const counts = report.metadata.vulnerabilities;
    console.log(`      npm audit: ${Object.entries(counts).map(([severity, count]) => `${count} ${severity}`).join(', ')}`);
    assert.deepEqual(serious, []);
    assert.equal(run.status, 0, `npm audit exited ${run.status}`);
  });
});
