#!/usr/bin/env node
// Compiles the TypeScript and puts each node's editor files (.html, locales, icons) beside its .js,
// which is where Node-RED looks for them.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });
} catch (err) {
  // STAYKEY_BUILD_LENIENT lets one part be tried while another is half-written; CI never sets it.
  if (!process.env.STAYKEY_BUILD_LENIENT) process.exit(1);
}

function copyEditorFiles(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      copyEditorFiles(source, target);
    } else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, target);
    }
  }
}
copyEditorFiles(path.join(root, 'nodes'), path.join(dist, 'nodes'));
// Node-RED looks for a node's icons in an `icons` folder beside its .js.
for (const node of fs.readdirSync(path.join(dist, 'nodes'))) {
  if (fs.existsSync(path.join(dist, 'nodes', node, `${node}.html`))) copyEditorFiles(path.join(root, 'icons'), path.join(dist, 'nodes', node, 'icons'));
}
copyEditorFiles(path.join(root, 'test', 'fixtures'), path.join(dist, 'test', 'fixtures'));
