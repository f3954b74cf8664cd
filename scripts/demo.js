#!/usr/bin/env node
// Starts a real Node-RED with StayKey loaded from this checkout and the shipped demo flow, on simulated
// locks. Everything it writes stays in .node-red/ (git-ignored). `npm start` runs it after the build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { writeDemoFeed } = require('./demo-feed');

const root = path.resolve(__dirname, '..');
const userDir = process.env.STAYKEY_USER_DIR || path.join(root, '.node-red');
const port = process.env.PORT || '1880';
const shippedFlow = path.join(root, 'flows', 'demo.json');
const flowFile = path.join(userDir, 'flows.json');

fs.mkdirSync(userDir, { recursive: true });

// The host's edits to the demo flow are kept; a newer shipped flow replaces an untouched copy.
const copy = !fs.existsSync(flowFile) || process.env.STAYKEY_RESET_DEMO === '1' || fs.statSync(shippedFlow).mtimeMs > fs.statSync(flowFile).mtimeMs;
if (copy) fs.copyFileSync(shippedFlow, flowFile);

// Bookings dated from today, so the demo always has a guest arriving, one staying, one later.
writeDemoFeed(path.join(userDir, 'demo-feed.ics'), new Date());

const settingsFile = path.join(userDir, 'settings.js');
fs.writeFileSync(
  settingsFile,
  `// Written by scripts/demo.js on every start.
module.exports = {
  uiHost: process.env.HOST || '127.0.0.1',
  uiPort: Number(process.env.PORT || ${JSON.stringify(port)}),
  flowFile: 'flows.json',
  nodesDir: [${JSON.stringify(root)}],
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { projects: { enabled: false }, tours: false },
  // No consent prompt and no version check: the demo runs offline and asks nothing of the host.
  telemetry: { enabled: false, updateNotification: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};
`,
);

// STAYKEY_NODE_RED runs the demo on another Node-RED install (a folder holding node_modules/node-red), as
// CI's Node-RED 5 run does; by default it is the Node-RED in this checkout's node_modules.
const otherRed = process.env.STAYKEY_NODE_RED;
const red = require.resolve('node-red/red.js', otherRed ? { paths: [fs.realpathSync(otherRed)] } : undefined);
const child = spawn(process.execPath, [red, '--userDir', userDir, '--settings', settingsFile, '--port', port], {
  stdio: 'inherit',
  env: process.env,
});
console.log(`\nStayKey demo: open http://127.0.0.1:${port} (user directory ${path.relative(root, userDir) || '.'})\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
