#!/usr/bin/env node
// Starts a real Node-RED with StayKey loaded from this checkout and the shipped demo flow, on simulated
// locks. Everything it writes stays in .node-red/ (git-ignored). `npm start` runs it after the build.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { writeDemoFeed } = require('./demo-feed');
const { chosenNow, localDay } = require('./demo-now');

const root = path.resolve(__dirname, '..');
const userDir = process.env.STAYKEY_USER_DIR || path.join(root, '.node-red');
const port = process.env.PORT || '1880';
const shippedFlow = path.join(root, 'flows', 'demo.json');
const flowFile = path.join(userDir, 'flows.json');

let chosen;
try {
  chosen = chosenNow(process.env.STAYKEY_NOW);
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
const now = chosen ?? new Date();

fs.mkdirSync(userDir, { recursive: true });

// The host's edits to the demo flow are kept; a newer shipped flow replaces an untouched copy.
const copy = !fs.existsSync(flowFile) || process.env.STAYKEY_RESET_DEMO === '1' || fs.statSync(shippedFlow).mtimeMs > fs.statSync(flowFile).mtimeMs;
if (copy) fs.copyFileSync(shippedFlow, flowFile);

// Bookings dated from today, so the demo always has a guest arriving, one staying, one later. Today is the
// day on this machine's wall: the demo's access-window reads the feed's dates in this machine's zone.
writeDemoFeed(path.join(userDir, 'demo-feed.ics'), localDay(now));

// The nodes read the same "now" as the feed was dated from, running on from the moment Node-RED loads it.
const clockModule = path.join(root, 'dist', 'lib', 'time', 'clock.js');
const staykeyClock = chosen ? `\n  staykey: { clock: require(${JSON.stringify(clockModule)}).clockFrom(${JSON.stringify(chosen.toISOString())}) },` : '';

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
  externalModules: { autoInstall: false, palette: { allowInstall: false } },${staykeyClock}
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
const clockNote = chosen ? `, clock set to ${chosen.toString()} by STAYKEY_NOW` : '';
console.log(`\nStayKey demo: open http://127.0.0.1:${port} (user directory ${path.relative(root, userDir) || '.'}${clockNote})\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
