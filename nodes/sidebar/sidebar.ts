/**
 * The StayKey sidebar's runtime half (a Node-RED plugin, package.json `node-red.plugins`): admin routes
 * that give the editor the board of running pin-issuers and booking-sources (nodes/shared/sidebar-board.ts)
 * and carry out the host's actions, and comms messages that tell every open editor what changed, at most
 * once a second per node and only when what it shows did change. What goes out carries no PIN, sealed or
 * not: every editor connected to the runtime receives comms messages, read-only users included.
 */
import type { Request, Response } from 'express';
import { clockFor, errorText, RED } from '../shared/runtime';
import { Publisher } from './publisher';
import { HeldAnswer, IssuerAction, IssuerPanel, SidebarBoard, sidebarBoard, SourcePanel } from '../shared/sidebar-board';

/** Ids in a request are checked against the board; anything longer is not one of them. */
const MAX_ID = 200;
const MAX_BOOKINGS = 500;
const TOPIC = 'staykey/sidebar';

interface IssuerItem {
  id: string;
  name: string;
  dryRun: boolean;
  overview?: Awaited<ReturnType<IssuerPanel['overview']>>;
  error?: string;
}

interface SourceItem {
  id: string;
  name: string;
  unit: string;
  held: ReturnType<SourcePanel['held']>;
}

export = function register(RED: RED) {
  const api = RED as RED & { plugins: { registerPlugin(id: string, definition: object): void }; comms: { publish(topic: string, data: unknown, retain?: boolean): void } };
  api.plugins.registerPlugin('staykey-sidebar', { type: 'staykey-sidebar' });
  const canRead = RED.auth.needsPermission('staykey-sidebar.read');
  const canWrite = RED.auth.needsPermission('staykey-sidebar.write');
  const board = sidebarBoard;

  RED.httpAdmin.get('/staykey/sidebar', canRead, (_req: Request, res: Response) => {
    void everything(board).then((answer) => res.json(answer), (err: unknown) => res.status(500).json({ error: errorText(err) }));
  });

  RED.httpAdmin.post('/staykey/sidebar/issuer/:id/:action', canWrite, (req: Request, res: Response) => {
    const panel = board.issuers.get(String(req.params.id));
    if (!panel) return void res.status(404).json({ error: 'no such pin-issuer is running (deploy first?)' });
    let action: IssuerAction;
    try {
      action = readAction(String(req.params.action), req.body);
    } catch (err) {
      return void res.status(400).json({ error: errorText(err) });
    }
    RED.log.info(`StayKey sidebar: ${action.kind} on ${panel.name}`);
    panel.act(action).then(
      () => res.json({ done: action.kind }),
      (err: unknown) => res.status(400).json({ error: errorText(err) }),
    );
  });

  RED.httpAdmin.post('/staykey/sidebar/source/:id/:answer', canWrite, (req: Request, res: Response) => {
    const panel = board.sources.get(String(req.params.id));
    if (!panel) return void res.status(404).json({ error: 'no such booking-source is running (deploy first?)' });
    try {
      const answer = readAnswer(String(req.params.answer));
      panel.answer(answer, readBookings(req.body));
      res.json({ done: answer });
    } catch (err) {
      res.status(400).json({ error: errorText(err) });
    }
  });

  const publisher = new Publisher({
    clock: clockFor(RED),
    look: (key) => current(board, key),
    comparable: withoutLookTime,
    publish: (key, data) => api.comms.publish(`${TOPIC}/${key}`, data, false),
  });
  board.listen((kind, id) => publisher.changed(`${kind}/${id}`));
};

async function everything(board: SidebarBoard): Promise<{ issuers: IssuerItem[]; sources: SourceItem[] }> {
  const issuers = await Promise.all([...board.issuers.values()].map(issuerItem));
  const sources = [...board.sources.values()].map(sourceItem);
  return { issuers, sources };
}

async function issuerItem(panel: IssuerPanel): Promise<IssuerItem> {
  const item: IssuerItem = { id: panel.id, name: panel.name, dryRun: panel.dryRun };
  try {
    item.overview = await panel.overview();
  } catch (err) {
    item.error = errorText(err);
  }
  return item;
}

/** A panel by its key (`issuer/<id>`, `source/<id>`) as it is now, or word that its node is gone. */
async function current(board: SidebarBoard, key: string): Promise<unknown> {
  const [kind, id] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const issuer = kind === 'issuer' ? board.issuers.get(id) : undefined;
  if (issuer) return issuerItem(issuer);
  const source = kind === 'source' ? board.sources.get(id) : undefined;
  if (source) return sourceItem(source);
  return { id, removed: true };
}

function sourceItem(panel: SourcePanel): SourceItem {
  return { id: panel.id, name: panel.name, unit: panel.unit, held: panel.held() };
}

/** An overview's `at` is when it was drawn, not a change worth telling. */
function withoutLookTime(data: unknown): unknown {
  const item = data as IssuerItem;
  return item.overview ? { ...item, overview: { ...item.overview, at: undefined } } : data;
}

function readAction(action: string, body: unknown): IssuerAction {
  const given = (body ?? {}) as { lockId?: unknown; bookingId?: unknown };
  switch (action) {
    case 'verify':
    case 'wipe':
      return { kind: action, lockId: idIn(given.lockId, 'lockId') };
    case 'reissue':
      return { kind: 'reissue', bookingId: idIn(given.bookingId, 'bookingId') };
    default:
      throw new Error('the action must be verify, reissue or wipe');
  }
}

function readAnswer(answer: string): HeldAnswer {
  if (answer === 'confirm' || answer === 'reject') return answer;
  throw new Error('the answer must be confirm or reject');
}

/** The held stays the answer is for; none named: all of them. */
function readBookings(body: unknown): string[] {
  const bookings = (body as { bookings?: unknown } | undefined)?.bookings;
  if (bookings === undefined) return [];
  if (!Array.isArray(bookings) || bookings.length > MAX_BOOKINGS) throw new Error('bookings must be a list of booking ids');
  return bookings.map((id) => idIn(id, 'bookings'));
}

function idIn(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_ID) throw new Error(`${what} must be an id of at most ${MAX_ID} characters`);
  return value;
}
