/**
 * The StayKey sidebar's runtime half (a Node-RED plugin, package.json `node-red.plugins`): admin routes
 * that give the editor the board of running pin-issuers and booking-sources (nodes/shared/sidebar-board.ts)
 * and carry out the host's actions, and comms messages that tell every open editor what changed, at most
 * once a second per node and only when what it shows did change. What goes out carries no PIN, sealed or
 * not: every editor connected to the runtime receives comms messages, read-only users included.
 */
import type { Request, Response } from 'express';
import { errorText, RED } from '../shared/runtime';
import { HeldAnswer, IssuerAction, IssuerPanel, SidebarBoard, sidebarBoard, SourcePanel } from '../shared/sidebar-board';

/** At most one message per node per this long, however busy its ledger. */
const PUBLISH_EVERY_MS = 1000;
/** A burst of changes (a feed's first read) is drawn once, after it settles a little. */
const SETTLE_MS = 200;
/** Ids in a request are checked against the board; anything longer is not one of them. */
const MAX_ID = 200;
const MAX_BOOKINGS = 500;
const TOPIC = 'staykey/sidebar';

type Kind = 'issuer' | 'source';

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

  const publisher = new Publisher(board, (kind, id, data) => api.comms.publish(`${TOPIC}/${kind}/${id}`, data, false));
  board.listen((kind, id) => publisher.changed(kind, id));
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

/**
 * Tells the editors what one node's panel shows now, when it changed: at most once per PUBLISH_EVERY_MS
 * per node, one look at a time, and nothing when the look finds what was sent last.
 */
class Publisher {
  private readonly sent = new Map<string, string>();
  private readonly lastAt = new Map<string, number>();
  private readonly waiting = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly looking = new Set<string>();
  private readonly again = new Set<string>();

  constructor(
    private readonly board: SidebarBoard,
    private readonly publish: (kind: Kind, id: string, data: unknown) => void,
  ) {}

  changed(kind: Kind, id: string): void {
    const key = `${kind}/${id}`;
    if (this.looking.has(key)) return void this.again.add(key);
    if (this.waiting.has(key)) return;
    const since = Date.now() - (this.lastAt.get(key) ?? 0);
    const wait = Math.max(SETTLE_MS, PUBLISH_EVERY_MS - since);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      void this.look(kind, id, key);
    }, wait);
    timer.unref?.();
    this.waiting.set(key, timer);
  }

  private async look(kind: Kind, id: string, key: string): Promise<void> {
    this.looking.add(key);
    try {
      const data = await this.current(kind, id);
      const text = JSON.stringify(withoutLookTime(data));
      if (this.sent.get(key) !== text) {
        this.sent.set(key, text);
        this.lastAt.set(key, Date.now());
        this.publish(kind, id, data);
      }
    } finally {
      this.looking.delete(key);
      if (this.again.delete(key)) this.changed(kind, id);
    }
  }

  private async current(kind: Kind, id: string): Promise<unknown> {
    if (kind === 'issuer') {
      const panel = this.board.issuers.get(id);
      return panel ? issuerItem(panel) : { id, removed: true };
    }
    const panel = this.board.sources.get(id);
    return panel ? sourceItem(panel) : { id, removed: true };
  }
}
