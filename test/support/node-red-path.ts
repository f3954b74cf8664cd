/**
 * Which Node-RED the tests run against: the one in node_modules (the devDependency, Node-RED 4.1), or the
 * install that STAYKEY_NODE_RED points at (CI's second run on Node-RED 5, scripts/ci/node-red-5.sh).
 * STAYKEY_NODE_RED is a folder holding node_modules/node-red, e.g. the prefix of `npm i --prefix <dir> node-red@5`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The runtime's main module, for `helper.init(nodeRedPath())`. */
export function nodeRedPath(): string {
  const install = process.env.STAYKEY_NODE_RED;
  if (!install) return require.resolve('node-red');
  const folder = fs.realpathSync(install);
  const found = require.resolve('node-red', { paths: [folder] });
  // A folder without Node-RED in it must not quietly fall back to another install further up.
  if (!found.startsWith(folder + path.sep)) throw new Error(`STAYKEY_NODE_RED=${install} holds no node-red (found ${found})`);
  return found;
}

/** A module of that same Node-RED (`@node-red/util`, `node-red/red.js`...), so a test sees the runtime its nodes run in. */
export function nodeRedResolve(id: string): string {
  return require.resolve(id, { paths: [path.dirname(nodeRedPath())] });
}
