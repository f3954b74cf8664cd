/**
 * StayKey's editor routes on a runtime with `adminAuth`, in a real `node-red` process: every route a
 * StayKey node adds to the admin API (found in the built package, so a new one is covered without
 * touching this test) refuses a caller without a token, with a made-up token, and a user whose
 * permissions do not include it, and lets a read-only user and the admin through. Users log in the
 * editor's way, at /auth/token.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as bcrypt from 'bcrypt';
import { FlowNode, Inbox, RedProcess, filesUnder, packageRoot, sleep } from './support/red-process';

interface AdminRoute {
  method: string;
  path: string;
  /** The path with each `:param` filled in. */
  url: string;
}

/** Every `RED.httpAdmin.<method>('<path>'` in the built nodes. */
function stayKeyAdminRoutes(): AdminRoute[] {
  const routes: AdminRoute[] = [];
  const pattern = /httpAdmin\.(get|post|put|delete|patch)\(\s*(['"`])([^'"`]+)\2/g;
  for (const file of filesUnder(path.join(packageRoot(), 'dist', 'nodes')).filter((name) => name.endsWith('.js'))) {
    for (const match of fs.readFileSync(file, 'utf8').matchAll(pattern)) {
      routes.push({ method: match[1].toUpperCase(), path: match[3], url: match[3].replace(/:[A-Za-z]+/g, 'no-such-node') });
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path));
}

const USERS = {
  admin: { password: 'admin-pass-7Qm2', permissions: '*' },
  viewer: { password: 'viewer-pass-4Kd9', permissions: 'read' },
  // Can look at the flows but was given nothing of StayKey's.
  flowsOnly: { password: 'flows-pass-8Tz1', permissions: 'flows.read' },
};
type UserName = keyof typeof USERS;

describe('security: StayKey admin routes behind adminAuth (real node-red process)', function () {
  this.timeout(120_000);
  const routes = stayKeyAdminRoutes();
  let directory: string;
  let red: RedProcess;
  const tokens = new Map<UserName, string>();

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-admin-auth-'));
    const users = (Object.keys(USERS) as UserName[]).map((username) => ({
      username,
      password: bcrypt.hashSync(USERS[username].password, 8),
      permissions: USERS[username].permissions,
    }));
    red = new RedProcess({
      userDir: path.join(directory, 'node-red'),
      logFile: path.join(directory, 'node-red.log'),
      flows: [],
      settings: { adminAuth: { type: 'credentials', users } },
    });
    await red.start();
    for (const username of Object.keys(USERS) as UserName[]) tokens.set(username, await login(username));
  });

  after(async () => {
    await red?.kill();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  async function login(username: UserName): Promise<string> {
    const response = await fetch(`${red.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: USERS[username].permissions, username, password: USERS[username].password }),
    });
    assert.equal(response.status, 200, `${username} logs in`);
    const body = (await response.json()) as { access_token?: string };
    assert.ok(body.access_token);
    return body.access_token;
  }

  async function call(route: AdminRoute, token?: string): Promise<{ status: number; body: string }> {
    const response = await fetch(`${red.url}${route.url}`, {
      method: route.method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: await response.text() };
  }

  const refused = (status: number) => status === 401 || status === 403;
  const describeRoute = (route: AdminRoute) => `${route.method} ${route.path}`;

  it('finds the admin routes StayKey nodes add, all under /staykey/', () => {
    console.log(`      ${routes.length} routes: ${routes.map(describeRoute).join(', ')}`);
    assert.ok(routes.length >= 6, `found ${routes.length}`);
    for (const route of routes) assert.match(route.path, /^\/staykey\//);
    // The editor's device lists reach vendor accounts with the host's credentials: each must be among them.
    for (const list of ['/staykey/ttlock/:id/locks', '/staykey/seam/:id/devices']) assert.ok(routes.some((route) => route.method === 'GET' && route.path === list), `${list} is covered`);
    // The sidebar plugin (nodes/sidebar) shows every lock and code and acts on them: its routes are among them too.
    for (const [method, sidebar] of [['GET', '/staykey/sidebar'], ['POST', '/staykey/sidebar/issuer/:id/:action'], ['POST', '/staykey/sidebar/source/:id/:answer']]) {
      assert.ok(routes.some((route) => route.method === method && route.path === sidebar), `${method} ${sidebar} is covered`);
    }
  });

  it('refuses every one without a token (401)', async () => {
    for (const route of routes) assert.equal((await call(route)).status, 401, describeRoute(route));
  });

  it('refuses every one with a made-up token (401)', async () => {
    for (const route of routes) assert.equal((await call(route, 'not-a-real-token-0000')).status, 401, describeRoute(route));
  });

  it('refuses every one to a user without the permission (Node-RED answers 401 where a permission is missing)', async () => {
    for (const route of routes) {
      const { status } = await call(route, tokens.get('flowsOnly'));
      assert.ok(refused(status), `${describeRoute(route)} answered ${status} to a user with only flows.read`);
    }
  });

  it('lets a read-only user read, and refuses it any route that changes something', async () => {
    for (const route of routes) {
      const { status, body } = await call(route, tokens.get('viewer'));
      if (route.method === 'GET') {
        assert.ok(!refused(status), `${describeRoute(route)} refused a read-only user (${status})`);
        assert.ok(!/Cannot GET/.test(body), `${describeRoute(route)} is not served`);
      } else {
        assert.ok(refused(status), `${describeRoute(route)} let a read-only user change something (${status})`);
      }
    }
  });

  it('lets the admin through to every one', async () => {
    for (const route of routes) {
      const { status, body } = await call(route, tokens.get('admin'));
      assert.ok(!refused(status), `${describeRoute(route)} refused the admin (${status})`);
      assert.ok(!/Cannot (GET|POST|PUT|DELETE|PATCH)/.test(body), `${describeRoute(route)} is not served`);
    }
  });

  it('stops honouring a token once it is revoked (logging out)', async () => {
    const token = await login('viewer');
    const route = routes.find((candidate) => candidate.method === 'GET')!;
    assert.ok(!refused((await call(route, token)).status));
    const revoked = await fetch(`${red.url}/auth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ token }),
    });
    assert.equal(revoked.status, 200);
    assert.equal((await call(route, token)).status, 401);
  });

  describe('a booking feed address (it lets anyone read the guests\' stays)', () => {
    const token = 'feedtoken-7f3a9c2e41b8';
    let inbox: Inbox;
    const asked: string[] = [];

    before(async () => {
      inbox = new Inbox();
      await inbox.start();
      inbox.answer = (where) => {
        asked.push(where);
        return { status: 200, body: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n' };
      };
    });

    after(() => inbox?.stop());

    function feedFlow(credentials?: Record<string, string>): FlowNode[] {
      const source: FlowNode = { id: 'sk-feed', type: 'staykey-booking-source', z: 'sk-tab', unit: 'Room 1', mode: 'url', interval: 15, timeout: 5, wires: [[], []] };
      if (credentials) source.credentials = credentials;
      return [{ id: 'sk-tab', type: 'tab', label: 'feeds' }, source];
    }

    async function fetchesOfTheFeed(after: number): Promise<void> {
      for (let waited = 0; asked.length <= after; waited += 100) {
        if (waited > 20_000) throw new Error('the node did not fetch its feed');
        await sleep(100);
      }
      assert.equal(asked[asked.length - 1], `/ical/${token}.ics`);
    }

    it('is never sent to the editor, to a read-only user or to the admin: only that one is set', async () => {
      await red.deploy(feedFlow({ url: `airbnb ${inbox.url}/ical/${token}.ics` }), tokens.get('admin'));
      await fetchesOfTheFeed(0);
      for (const user of ['viewer', 'admin'] as UserName[]) {
        const credentials = await call({ method: 'GET', path: '/credentials', url: '/credentials/staykey-booking-source/sk-feed' }, tokens.get(user));
        assert.equal(credentials.status, 200, user);
        assert.deepEqual(JSON.parse(credentials.body), { has_url: true }, user);
        const flows = await call({ method: 'GET', path: '/flows', url: '/flows' }, tokens.get(user));
        assert.doesNotMatch(flows.body, new RegExp(token), user);
      }
    });

    it('is kept when the node is saved again without typing it (the editor sends __PWRD__, or nothing)', async () => {
      for (const credentials of [{ url: '__PWRD__' }, undefined]) {
        const before = asked.length;
        await red.deploy(feedFlow(credentials), tokens.get('admin'));
        await fetchesOfTheFeed(before);
      }
    });
  });
});
