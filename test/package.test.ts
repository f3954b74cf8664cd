/**
 * What the Flow Library scorecard (node-red-dev validate) checks of the package itself, since that tool
 * needs the public catalogue, which these machines cannot reach.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  license?: string;
  keywords?: string[];
  repository?: { url?: string };
  bugs?: { url?: string };
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  'node-red': { version: string; nodes: Record<string, string> };
};

describe('the package', () => {
  it('is a scoped node-red package with a licence, repository and bugs link', () => {
    assert.match(pkg.name, /^@[a-z0-9-]+\/node-red-/);
    assert.equal(pkg.license, 'Apache-2.0');
    assert.ok(fs.existsSync(path.join(root, 'LICENSE')));
    assert.ok(pkg.keywords?.includes('node-red'));
    assert.ok(pkg.repository?.url && pkg.bugs?.url);
  });

  it('asks for Node-RED 4 or newer and Node 20 or newer', () => {
    assert.equal(pkg['node-red'].version, '>=4.0.0');
    assert.equal(pkg.engines?.node, '>=20');
  });

  it('keeps runtime dependencies to six at most', () => {
    assert.ok(Object.keys(pkg.dependencies ?? {}).length <= 6, Object.keys(pkg.dependencies ?? {}).join(', '));
  });

  for (const [type, file] of Object.entries(pkg['node-red'].nodes)) {
    it(`registers ${type} in ${file} with a literal registerType in the .html beside it`, () => {
      assert.match(type, /^staykey-/, 'types are prefixed so they cannot collide with other packages');
      assert.ok(fs.existsSync(path.join(root, file)), `${file} is built`);
      const html = fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8');
      assert.ok(html.includes(`RED.nodes.registerType('${type}', {`), 'validate only reads literal registerType calls');
      assert.ok(html.includes(`data-template-name="${type}"`), 'edit dialog');
      assert.ok(html.includes(`data-help-name="${type}"`), 'help text');
      const runtime = fs.readFileSync(path.join(root, file), 'utf8');
      assert.ok(runtime.includes(`registerType('${type}'`) || runtime.includes(`registerType("${type}"`), 'runtime registers the same type');
    });
  }

  it('gives every palette node the plain name a host knows', () => {
    const labels = Object.values(pkg['node-red'].nodes)
      .map((file) => fs.readFileSync(path.join(root, file.replace(/\.js$/, '.html')), 'utf8'))
      .map((html) => /paletteLabel:\s*'([^']+)'/.exec(html)?.[1])
      .filter((label): label is string => Boolean(label));
    for (const name of ['booking-source', 'access-window', 'pin-issuer', 'lock-provider', 'battery-watch', 'notifier']) {
      assert.ok(labels.includes(name), `${name} in the palette`);
    }
  });

  it('ships its icon beside every node', () => {
    for (const file of Object.values(pkg['node-red'].nodes)) {
      assert.ok(fs.existsSync(path.join(root, path.dirname(file), 'icons', 'staykey-key.svg')), file);
    }
  });
});
