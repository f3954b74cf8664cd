#!/usr/bin/env bash
# The whole suite again on Node-RED 5 and Node 22 (Node-RED 5 needs Node 22.9 or newer), beside the
# usual run on Node-RED 4.1 and Node 20. Node 22 comes from the npm registry's `node` package and
# Node-RED 5 is installed outside the checkout, so package.json and node_modules stay as they are;
# STAYKEY_NODE_RED tells the tests which Node-RED to load (test/support/node-red-path.ts).
#
#   scripts/ci/node-red-5.sh          after `npm ci`; builds, then runs mocha and prints its totals
#
# STAYKEY_CI_CACHE picks where Node 22 and Node-RED 5 are installed (default: $TMPDIR/staykey-ci).
set -uo pipefail
cd "$(dirname "$0")/../.."

cache=${STAYKEY_CI_CACHE:-${TMPDIR:-/tmp}/staykey-ci}
node22_dir="$cache/node22"
nr5_dir="$cache/node-red-5"

fail() {
  echo "node-red-5.sh: $*" >&2
  exit 1
}

install() {
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$1" "$2" || fail "could not install $2 from the npm registry"
}

mkdir -p "$node22_dir" "$nr5_dir"
install "$node22_dir" node@22
node22="$node22_dir/node_modules/node/bin/node"
[ -x "$node22" ] || fail "the node@22 package has no binary at $node22"
"$node22" -e 'process.exit(process.versions.node.split(".")[0] === "22" ? 0 : 1)' || fail "$node22 is not Node 22"

# Everything below runs on Node 22: npm's scripts, the build, Node-RED 5's install, mocha.
export PATH="$(dirname "$node22"):$PATH"
install "$nr5_dir" node-red@5
export STAYKEY_NODE_RED="$nr5_dir"
red_version=$("$node22" -p "require('$nr5_dir/node_modules/node-red/package.json').version") || fail "node-red@5 did not install"

# The one native module: bcrypt ships N-API prebuilds, so the install made on Node 20 must load here.
"$node22" -e "require('bcrypt').hashSync('x', 4)" || fail "bcrypt does not load on Node $("$node22" -v)"

"$node22" scripts/ensure-mosquitto.js && "$node22" scripts/ensure-chromium.js || fail "mosquitto or chromium is missing"
npm run build || fail "the build failed on Node 22"

echo
echo "Node-RED $red_version on Node $("$node22" -v | tr -d v)"
"$node22" node_modules/mocha/bin/mocha.js
