/**
 * Flows hosts saved keep working: every shipped flow and example as version 0.1.0 saved them
 * (test/fixtures/saved-flows-0.1.0) names only node types and settings today's editor still defines.
 * A setting renamed or dropped would silently fall back to its default in a host's running flow.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';

const ROOT = path.join(__dirname, '..', '..');
const SAVED = path.join(ROOT, 'test', 'fixtures', 'saved-flows-0.1.0');
/** What Node-RED itself keeps on every node. */
const NODE_RED_KEYS = new Set(['id', 'type', 'z', 'x', 'y', 'w', 'h', 'wires', 'g', 'l', 'd', 'info', 'name', '_users']);

interface EditorDefinition {
  defaults?: Record<string, unknown>;
  credentials?: Record<string, unknown>;
}

/** Runs each node's editor script against a stand-in RED that only records what is registered. */
function editorDefinitions(): Map<string, EditorDefinition> {
  const registered = new Map<string, EditorDefinition>();
  const anything: unknown = new Proxy(function () {}, { get: () => anything, apply: () => anything, construct: () => anything as object });
  const nodes = new Proxy({ registerType: (type: string, definition: EditorDefinition) => registered.set(type, definition) }, {
    get: (target, key) => (key in target ? target[key as keyof typeof target] : anything),
  });
  const RED = new Proxy({}, { get: (_target, key) => (key === 'nodes' ? nodes : anything) });
  const nodesDir = path.join(ROOT, 'nodes');
  for (const folder of fs.readdirSync(nodesDir)) {
    const html = path.join(nodesDir, folder, `${folder}.html`);
    if (!fs.existsSync(html)) continue;
    const text = fs.readFileSync(html, 'utf8');
    for (const [, script] of text.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) {
      vm.runInNewContext(script, { RED, $: anything, jQuery: anything, window: anything, document: anything, console });
    }
  }
  return registered;
}

describe('flows saved by StayKey 0.1.0', () => {
  const definitions = editorDefinitions();
  const files = fs.readdirSync(SAVED).filter((file) => file.endsWith('.json'));

  it('has every shipped flow and example of that version to check', () => {
    assert.ok(files.length >= 19, `${files.length} saved flows`);
    // A plugin's editor file (the StayKey sidebar) registers a plugin, not a node type.
    const plugins = Object.values((JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { plugins?: Record<string, string> } })['node-red'].plugins ?? {});
    const pluginFolders = new Set(plugins.map((file) => path.basename(path.dirname(file))));
    const htmlFiles = fs
      .readdirSync(path.join(ROOT, 'nodes'))
      .filter((folder) => !pluginFolders.has(folder) && fs.existsSync(path.join(ROOT, 'nodes', folder, `${folder}.html`)));
    assert.equal(definitions.size, htmlFiles.length, 'every editor file registered its node type');
  });

  for (const file of files) {
    it(`${file}: every StayKey node type and setting is still known`, () => {
      checkSettings(JSON.parse(fs.readFileSync(path.join(SAVED, file), 'utf8')) as Record<string, unknown>[]);
    });
  }

  // Today's shipped flows and examples too (those newer than 0.1.0, like Seam's, are not in the fixtures yet).
  for (const folder of ['flows', 'examples']) {
    for (const file of fs.readdirSync(path.join(ROOT, folder)).filter((name) => name.endsWith('.json'))) {
      it(`${folder}/${file} as shipped today: every StayKey node type and setting is known to the editor`, () => {
        checkSettings(JSON.parse(fs.readFileSync(path.join(ROOT, folder, file), 'utf8')) as Record<string, unknown>[]);
      });
    }
  }

  function checkSettings(flow: Record<string, unknown>[]): void {
    const problems: string[] = [];
    let checked = 0;
    for (const node of flow.filter((n) => String(n.type).startsWith('staykey-'))) {
      const definition = definitions.get(String(node.type));
      if (!definition) {
        problems.push(`${node.type}: no such node type any more`);
        continue;
      }
      for (const key of Object.keys(node)) {
        if (NODE_RED_KEYS.has(key)) continue;
        checked += 1;
        if (!Object.hasOwn(definition.defaults ?? {}, key) && !Object.hasOwn(definition.credentials ?? {}, key)) problems.push(`${node.type} ${node.id}: setting "${key}" is gone`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 0 || !flow.some((n) => String(n.type).startsWith('staykey-')), 'settings were checked');
  }
});
