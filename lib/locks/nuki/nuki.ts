/**
 * Nuki smart locks with a keypad, through Nuki Web. A StayKey slot is a keypad code ("auth", type
 * 13) whose id Nuki gives out only by listing, after an asynchronous create: so every write is
 * followed by listings until it shows, and the command runner's read-back is the final judge.
 *
 * What a keypad code looks like is in keypad-codes.ts, Nuki's failures as a host reads them in
 * errors.ts, and the slot -> auth book in slots.ts.
 */
import type { SealedPin } from '../../pins/vault';
import { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, LockConfig, LockError, LockProvider, LockStatus } from '../provider';
import { KeyedGate } from '../rate-limit';
import { KeypadCodeBody, KEYPAD_CODE, NukiApiError, NukiAuth, NukiClient, NukiConnection, SERVER_OFFLINE } from './api';
import { CallContext, lockErrorFor, mentionsCode, scrubbed } from './errors';
import { batteryOf, codeBody, codeOf, hasKeypad, holdsAlready, nukiLock } from './keypad-codes';
import { NUKI_MAX_CODES } from './rules';
import { NukiSlotBook } from './slots';

export { batteryOf } from './keypad-codes';

export interface NukiLocksOptions {
  locks: LockConfig[];
  connection: NukiConnection;
  /** One write per lock at a time; shared by everything using the same Nuki account. */
  writes?: KeyedGate;
  /** Where the slot -> Nuki auth book is kept (pending creates' PINs sealed). */
  file?: string;
  seal?: (pin: string) => SealedPin;
  open?: (sealed: SealedPin) => string;
  /** Listings after a write before leaving it to the read-back (default 4), this far apart (default 1.5 s). */
  confirmReads?: number;
  confirmDelayMs?: number;
  /** Codes a keypad holds (default 100). */
  maxCodes?: number;
}

/** A create Nuki has not shown in a day will not come: stop looking for it. */
const PENDING_FOR_MS = 24 * 3600_000;

interface Sleeper {
  cancel: () => void;
  reject: (err: Error) => void;
}

export class NukiLocks implements LockProvider {
  readonly kind = 'nuki';
  private readonly client: NukiClient;
  private readonly clock: Clock;
  private readonly writes: KeyedGate;
  private readonly book: NukiSlotBook;
  private readonly confirmReads: number;
  private readonly confirmDelayMs: number;
  private readonly maxCodes: number;
  private readonly sleepers = new Set<Sleeper>();
  private closed = false;

  constructor(private readonly options: NukiLocksOptions) {
    this.client = new NukiClient(options.connection);
    this.clock = options.connection.clock;
    this.writes = options.writes ?? new KeyedGate(1);
    this.book = new NukiSlotBook({ file: options.file, seal: options.seal, open: options.open });
    this.confirmReads = Math.max(Math.floor(options.confirmReads ?? 4), 1);
    this.confirmDelayMs = Math.max(options.confirmDelayMs ?? 1500, 0);
    this.maxCodes = options.maxCodes ?? NUKI_MAX_CODES;
  }

  async listLocks(): Promise<LockConfig[]> {
    return this.options.locks;
  }

  async status(lockId: string): Promise<LockStatus> {
    const lock = this.lockFor(lockId);
    const smartlock = await this.call(lock, () => this.client.smartlock(deviceOf(lock)));
    return {
      lockId,
      online: smartlock.serverState !== SERVER_OFFLINE,
      battery: batteryOf(smartlock),
      ...(typeof smartlock.updateDate === 'string' ? { lastSeenAt: smartlock.updateDate } : {}),
    };
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const lock = this.lockFor(lockId);
    const auths = await this.keypadCodes(lock);
    return auths.map((auth) => this.codeOnLock(lock, auth)).sort((a, b) => a.slot - b.slot);
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, code.slot);
    assertPinAllowed(nukiLock(lock), code.slot, code.pin);
    const body = codeBody(lock, code);
    await this.writing(lock, () => this.put(lock, code.slot, code.pin, body));
  }

  /** Without a PIN only the dates change; Nuki keeps the code it has. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, code.slot);
    if (code.pin !== undefined) assertPinAllowed(nukiLock(lock), code.slot, code.pin);
    const body = codeBody(lock, code);
    await this.writing(lock, async () => {
      const auths = await this.landed(lock, code.slot, await this.keypadCodes(lock));
      if (this.heldIn(lock, code.slot, auths) || code.pin === undefined) return this.change(lock, code.slot, code.pin, body, auths);
      return this.put(lock, code.slot, code.pin, body);
    });
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, slot);
    await this.writing(lock, async () => {
      const auths = await this.landed(lock, slot, await this.keypadCodes(lock));
      const held = this.heldIn(lock, slot, auths);
      if (!held) {
        // A create that never showed is given up on; should it land after all, it shows as someone else's code.
        this.book.dropPending(lock.id, slot);
        return;
      }
      // A 404 is a code already gone (removed in the Nuki app meanwhile): what a clear wants.
      await this.call(lock, () => this.client.deleteAuth(deviceOf(lock), held.id), { raw: [404] }).catch((err: unknown) => {
        if (!(err instanceof NukiApiError && err.status === 404)) throw err;
      });
      await this.settle(lock, (after) => !after.some((auth) => auth.id === held.id));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
    for (const sleeper of [...this.sleepers]) {
      sleeper.cancel();
      sleeper.reject(new LockError('StayKey stopped while waiting for Nuki Web', 'offline', true));
    }
    this.sleepers.clear();
  }

  // --- Writes ---------------------------------------------------------------------------------

  /** One write per lock at a time, only to a lock Nuki Web can reach. */
  private writing(lock: LockConfig, write: () => Promise<void>): Promise<void> {
    return this.writes.run(deviceOf(lock), async () => {
      await this.assertOnline(lock);
      await write();
    });
  }

  /** Puts a code in a slot: changes the slot's auth where it has one, creates one where not. */
  private async put(lock: LockConfig, slot: number, pin: string, body: KeypadCodeBody): Promise<void> {
    const auths = await this.landed(lock, slot, await this.keypadCodes(lock));
    let held = this.heldIn(lock, slot, auths);
    const holder = auths.find((auth) => codeOf(auth) === pin);
    if (holder && holder.id !== held?.id) {
      if (held || !this.isOurs(lock, holder, body.name)) throw this.duplicate(lock, slot, holder);
      // Our own create from before a restart or a lost answer: it is the slot's code, not a second one.
      this.book.link(lock.id, slot, holder.id);
      held = holder;
    }
    if (held) return this.change(lock, slot, pin, body, auths);
    if (auths.length >= this.maxCodes) throw this.full(lock, slot, auths);
    const earlier = this.book.pendingFor(lock.id, slot);
    // Written down before it goes out: a restart before the answer still finds this create.
    this.book.notePending(lock.id, slot, body.name, pin, this.clock.now().toISOString());
    try {
      await this.call(lock, () => this.client.createKeypadCode(deviceOf(lock), { ...body, code: Number(pin) }), { pin, raw: [400] });
    } catch (err) {
      const problem = await this.refused(lock, slot, pin, err, earlier?.pin === pin);
      if (problem) throw problem;
    }
    await this.settle(lock, () => this.book.authOf(lock.id, slot) !== undefined);
  }

  /** Changes the slot's auth in place (Nuki wants the name every time); the PIN only when given. */
  private async change(lock: LockConfig, slot: number, pin: string | undefined, body: KeypadCodeBody, auths: NukiAuth[]): Promise<void> {
    const held = this.heldIn(lock, slot, auths);
    if (!held) {
      throw new LockError(`slot ${slot} of ${lock.name} holds no code at Nuki: it has to be set again`, 'rejected-code', false);
    }
    if (pin !== undefined) {
      const holder = auths.find((auth) => codeOf(auth) === pin && auth.id !== held.id);
      if (holder) throw this.duplicate(lock, slot, holder);
    }
    if (holdsAlready(held, pin, body)) return;
    const update: KeypadCodeBody = pin === undefined ? body : { ...body, code: Number(pin) };
    try {
      await this.call(lock, () => this.client.updateAuth(deviceOf(lock), held.id, update), { pin, raw: [400, 404] });
    } catch (err) {
      if (err instanceof NukiApiError && err.status === 404) {
        throw new LockError(`the code in slot ${slot} of ${lock.name} was removed at Nuki meanwhile: it has to be set again`, 'rejected-code', false);
      }
      const problem = await this.refused(lock, slot, pin, err, false);
      if (problem) throw problem;
    }
    await this.settle(lock, (after) => {
      const now = after.find((auth) => auth.id === held.id);
      return now !== undefined && holdsAlready(now, pin, body);
    });
  }

  /**
   * Nuki answers 400 "the supplied value for parameter 'code' is not valid" both for a code it
   * refuses and for one the lock already has; the listing tells which. Undefined: the code is in
   * the slot after all (a create from an earlier attempt that landed meanwhile).
   */
  private async refused(lock: LockConfig, slot: number, pin: string | undefined, err: unknown, sentBefore: boolean): Promise<unknown> {
    if (!(err instanceof NukiApiError && err.status === 400)) return err;
    if (pin === undefined || !mentionsCode(err.detail)) return this.refusedOtherwise(lock, slot, err);
    const auths = await this.keypadCodes(lock);
    const holder = auths.find((auth) => codeOf(auth) === pin);
    if (holder && this.book.slotOf(lock.id, holder.id) === slot) return undefined;
    if (holder) return this.duplicate(lock, slot, holder);
    if (sentBefore) {
      return new LockError(`Nuki Web is still adding the code for slot ${slot} of ${lock.name}`, 'busy', true);
    }
    this.book.dropPending(lock.id, slot);
    return new LockError(
      `Nuki Web refused the code for slot ${slot} of ${lock.name} as not valid (Nuki takes 6 digits 1-9, not starting 12, each once per lock)`,
      'rejected-code',
      false,
    );
  }

  /** A 400 not about the code: a keypad code on a lock without a keypad is the usual one. */
  private async refusedOtherwise(lock: LockConfig, slot: number, err: NukiApiError): Promise<LockError> {
    this.book.dropPending(lock.id, slot);
    const smartlock = await this.call(lock, () => this.client.smartlock(deviceOf(lock))).catch(() => undefined);
    if (/keypad/i.test(err.detail) || (smartlock && !hasKeypad(smartlock))) {
      return new LockError(`${lock.name} has no keypad at Nuki: pair a keypad with ${lock.name} in the Nuki app`, 'vendor-error', false);
    }
    return new LockError(`Nuki Web refused the code for slot ${slot} of ${lock.name} (400: ${scrubbed(err.detail)})`, 'vendor-error', false);
  }

  private duplicate(lock: LockConfig, slot: number, holder: NukiAuth): LockError {
    const where = this.book.slotOf(lock.id, holder.id);
    const owner = where !== undefined ? `StayKey's slot ${where}` : `"${holder.name}"`;
    return new LockError(`${lock.name} already has the code for slot ${slot}, as ${owner}`, 'duplicate-code', false);
  }

  private full(lock: LockConfig, slot: number, auths: NukiAuth[]): LockError {
    const others = auths.filter((auth) => this.book.slotOf(lock.id, auth.id) === undefined).map((auth) => `"${auth.name}"`);
    const names = others.length ? `; codes StayKey did not make: ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', ...' : ''}` : '';
    return new LockError(
      `${lock.name}'s keypad holds ${auths.length} codes, as many as Nuki allows, so slot ${slot} cannot be set: remove codes you no longer need in the Nuki app${names}`,
      'slots-full',
      false,
    );
  }

  private async assertOnline(lock: LockConfig): Promise<void> {
    const smartlock = await this.call(lock, () => this.client.smartlock(deviceOf(lock)));
    if (smartlock.serverState === SERVER_OFFLINE) {
      throw new LockError(`${lock.name} is offline at Nuki Web: its bridge or Wi-Fi does not reach it`, 'offline', true);
    }
  }

  /** Lists until `done` holds or the listings run out (the runner's read-back then judges); the last listing. */
  private async settle(lock: LockConfig, done: (auths: NukiAuth[]) => boolean): Promise<NukiAuth[]> {
    let auths: NukiAuth[] = [];
    for (let read = 0; read < this.confirmReads; read++) {
      if (read > 0) await this.sleep(this.confirmDelayMs);
      auths = await this.keypadCodes(lock);
      if (done(auths)) break;
    }
    return auths;
  }

  /** A create sent before (an attempt whose answer was lost, a restart) may still be on its way: wait for it first. */
  private async landed(lock: LockConfig, slot: number, auths: NukiAuth[]): Promise<NukiAuth[]> {
    if (this.heldIn(lock, slot, auths) || !this.book.pendingFor(lock.id, slot)) return auths;
    return this.settle(lock, () => this.book.authOf(lock.id, slot) !== undefined);
  }

  // --- Reading --------------------------------------------------------------------------------

  /** The lock's keypad codes; pending creates that now show are linked to their slots. */
  private async keypadCodes(lock: LockConfig): Promise<NukiAuth[]> {
    const all = await this.call(lock, () => this.client.auths(deviceOf(lock)));
    const auths = (Array.isArray(all) ? all : []).filter((auth) => auth && auth.type === KEYPAD_CODE && typeof auth.id === 'string');
    const now = this.clock.now().getTime();
    for (const create of this.book.pending(lock.id)) {
      const landed = auths.find((auth) => codeOf(auth) === create.pin && auth.name === create.name);
      const linkedTo = landed ? this.book.slotOf(lock.id, landed.id) : undefined;
      if (landed && (linkedTo === undefined || linkedTo === create.slot)) this.book.link(lock.id, create.slot, landed.id);
      else if (!landed && now - Date.parse(create.sentAt) > PENDING_FOR_MS) this.book.dropPending(lock.id, create.slot);
    }
    this.book.keepOnly(lock.id, new Set(auths.map((auth) => auth.id)));
    return auths;
  }

  private heldIn(lock: LockConfig, slot: number, auths: NukiAuth[]): NukiAuth | undefined {
    const id = this.book.authOf(lock.id, slot);
    return id === undefined ? undefined : auths.find((auth) => auth.id === id);
  }

  private isOurs(lock: LockConfig, auth: NukiAuth, name: string): boolean {
    return auth.name === name && this.book.slotOf(lock.id, auth.id) === undefined;
  }

  private codeOnLock(lock: LockConfig, auth: NukiAuth): CodeOnLock {
    const slot = this.book.slotOf(lock.id, auth.id) ?? this.book.foreignSlot(lock.id, auth.id);
    return {
      slot,
      name: auth.name,
      pin: codeOf(auth) ?? null,
      ...(auth.allowedFromDate ? { startsAt: auth.allowedFromDate } : {}),
      ...(auth.allowedUntilDate ? { endsAt: auth.allowedUntilDate } : {}),
    };
  }

  // --- Plumbing -------------------------------------------------------------------------------

  /** Runs one request and turns what went wrong into a LockError a host can act on, never with the PIN. */
  private async call<T>(lock: LockConfig, request: () => Promise<T>, context: CallContext = {}): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof NukiApiError && context.raw?.includes(err.status)) throw err; // the write looks into these itself
      throw lockErrorFor(lock, err, context.pin);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.reject(new LockError('StayKey stopped while waiting for Nuki Web', 'offline', true));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = { cancel: () => undefined, reject };
      sleeper.cancel = this.clock.setTimer(ms, () => {
        this.sleepers.delete(sleeper);
        resolve();
      });
      this.sleepers.add(sleeper);
    });
  }

  private lockFor(lockId: string): LockConfig {
    const lock = this.options.locks.find((candidate) => candidate.id === lockId);
    if (!lock) throw new LockError(`there is no Nuki lock "${lockId}" in the locks config`, 'unknown-lock', false);
    return lock;
  }
}

function deviceOf(lock: LockConfig): string {
  const device = lock.device?.trim();
  if (!device) {
    throw new LockError(`${lock.name} has no Nuki smartlock id: enter it as the lock's device in the locks config`, 'unknown-lock', false);
  }
  return device;
}
