/**
 * The season's Seam door: the real SeamLocks provider against Seam's official fake, in this process,
 * with the device behind it played on the season's clock. Lives with the tests (the fake is a dev
 * dependency); scripts/simulate.ts and test/season.test.ts hand it to runSeason.
 *
 * The device is one without native scheduling, as Seam treats most Wi-Fi locks: Seam holds a
 * time-bound code (`unset`) and programs it onto the device 30 minutes before its start, and takes it
 * off at its end; until then the device does not have it. A code deleted in Seam comes off the device,
 * and a code changed in place is programmed again. While the device is offline nothing reaches it:
 * codes wait in Seam, and deleted ones stay on the device until it is back.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CodeOnLock, CodeToSet, LockConfig, LockProvider, LockStatus } from '../../lib/locks/provider';
import { openSeamAccount, SeamLocks } from '../../lib/locks/seam';
import type { SimulatedLockView } from '../../lib/locks/simulated';
import { SeasonDoor, SeasonDoorFactory, trackCalls } from '../../lib/simulation/season-door';
import type { ManualClock } from '../../lib/time/clock';
import { AUGUST_FRONT, SEAM_KEY, SEAM_WORKSPACE, SeamFake } from '../doubles/seam-fake';

/** How long before a code's start Seam programs it onto a device without native scheduling. */
export const PROGRAM_AHEAD_MS = 30 * 60_000;
/** The device acts on what is due at every stop of the season's clock; a timer brings the next due moment within this. */
const TIMER_WITHIN_MS = 15 * 60_000;

type FakeCode = SeamFake['db']['access_codes'][number];

interface Programmed {
  code: string;
  name: string;
  version: string;
}

/** Starts Seam's fake and gives the season its Seam door (the fake stops when the door closes). */
export const seamSeasonDoor: SeasonDoorFactory = async (lock, clock) => new SeamSeasonDoor(await SeamFake.start(), lock, clock);

class SeamSeasonDoor implements SeasonDoor {
  readonly config: LockConfig;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-season-seam-'));
  private readonly made: { provider: LockProvider; inFlight: () => number }[] = [];
  private online = true;
  private battery = 100;
  /** What the device itself holds, by Seam's access code id. PINs in memory only. */
  private readonly held = new Map<string, Programmed>();
  /** Each access code as last seen in Seam, for the codes changed in place. */
  private readonly versions = new Map<string, string>();
  private changed = 0;
  private readonly doubled = new Set<string>();
  private cancelTimer?: () => void;

  constructor(
    private readonly fake: SeamFake,
    lock: LockConfig,
    private readonly clock: ManualClock,
  ) {
    this.config = { ...lock, device: AUGUST_FRONT, schedules: true, codeCheck: 'read-back' };
    this.made.push(this.make());
  }

  provider(): LockProvider {
    return this.made[this.made.length - 1].provider;
  }

  restart(): void {
    void this.provider().close();
    this.made.push(this.make());
  }

  inFlight(): number {
    return this.made.reduce((sum, made) => sum + made.inFlight(), 0);
  }

  status(lockId: string): Promise<LockStatus> {
    return this.provider().status(lockId);
  }

  /** The device opens for a PIN it holds (it knows no window: Seam puts the code on and takes it off). */
  opens(_lockId: string, pin: string): boolean {
    return this.battery > 0 && [...this.held.values()].some((code) => code.code === pin);
  }

  /** What the device holds, and what Seam holds for it for a window not begun, in StayKey's slots. */
  inspect(lockId: string): SimulatedLockView {
    const slots = this.slotBook();
    const now = this.clock.now().getTime();
    const codes: CodeOnLock[] = [];
    for (const code of this.fake.codesOn(AUGUST_FRONT)) {
      const later = (code.status === 'unset' || code.status === 'setting') && startOf(code) > now;
      if (!this.held.has(code.access_code_id) && !later) continue;
      const slot = slots.get(code.access_code_id) ?? -1;
      codes.push({ slot, name: String(code.name ?? ''), pin: code.code, ...window(code) });
    }
    return { lockId, name: this.config.name, online: this.online, battery: this.battery, codes: codes.sort((a, b) => a.slot - b.slot) };
  }

  setOnline(_lockId: string, online: boolean): void {
    this.online = online;
    const errors = online ? [] : [{ error_code: 'device_offline', message: 'Device is offline', is_device_error: true, created_at: this.clock.now().toISOString() }];
    this.fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { online }, errors });
    this.tick();
  }

  setBattery(_lockId: string, percent: number): void {
    this.battery = percent;
    this.fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { battery_level: percent / 100, battery: { level: percent / 100, status: percent < 20 ? 'critical' : 'good' } } });
    this.tick();
  }

  addCodeBehindOurBack(_lockId: string, code: CodeToSet): void {
    const added = this.fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: code.name, code: code.pin, is_managed: false, status: 'set' });
    this.held.set(added.access_code_id, { code: code.pin, name: code.name, version: '' });
  }

  /** The device does what is due: takes deleted and ended codes off, puts on those whose time has come. */
  tick(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.clock.now().getTime();
    const codes = this.fake.codesOn(AUGUST_FRONT);
    this.observe(codes);
    if (!this.online || this.battery <= 0) return;
    const listed = new Set(codes.map((code) => code.access_code_id));
    for (const id of [...this.held.keys()]) if (!listed.has(id)) this.held.delete(id);
    let next = Infinity;
    for (const code of codes) {
      if (code.is_managed === false) continue;
      const id = code.access_code_id;
      const version = versionOf(code);
      const mine = this.held.get(id);
      if (endOf(code) <= now) {
        // Over: Seam takes it off the device and holds the access code, as for a window not begun.
        if (mine || code.status !== 'unset') this.fake.db.updateAccessCode({ access_code_id: id, status: 'unset' });
        this.held.delete(id);
        continue;
      }
      if (mine?.version === version) {
        next = Math.min(next, endOf(code));
        continue;
      }
      const programAt = startOf(code) - PROGRAM_AHEAD_MS;
      if (now >= programAt) {
        this.held.set(id, { code: String(code.code ?? ''), name: String(code.name ?? ''), version });
        if (code.status !== 'set') this.fake.db.updateAccessCode({ access_code_id: id, status: 'set' });
        next = Math.min(next, endOf(code));
      } else {
        // Changed in place to a later window, or not due yet: Seam holds it until its time.
        this.held.delete(id);
        if (code.status === 'set') this.fake.db.updateAccessCode({ access_code_id: id, status: 'unset' });
        next = Math.min(next, programAt);
      }
    }
    if (next > now && next - now <= TIMER_WITHIN_MS) this.cancelTimer = this.clock.setTimer(next - now, () => this.tick());
  }

  counts(): { created: number; changedInPlace: number; duplicates: number } {
    const created = this.fake.db.events.filter((event) => event.event_type === 'access_code.created' && event.device_id === AUGUST_FRONT).length;
    return { created, changedInPlace: this.changed, duplicates: this.doubled.size };
  }

  async close(): Promise<void> {
    this.cancelTimer?.();
    for (const made of this.made) await made.provider.close();
    await this.fake.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private make(): { provider: LockProvider; inFlight: () => number } {
    const account = openSeamAccount({ apiKey: () => SEAM_KEY, endpoint: this.fake.url });
    const locks = new SeamLocks({ locks: [this.config], account, clock: this.clock, file: path.join(this.dir, 'seam-slots.json'), eventsEveryMs: 0 });
    return trackCalls(locks);
  }

  /**
   * Codes changed in place (the same access code, new dates or PIN), and codes StayKey made twice: two
   * of its access codes with the same name and window on the device at once.
   */
  private observe(codes: FakeCode[]): void {
    const windows = new Map<string, string>();
    for (const code of codes) {
      const id = code.access_code_id;
      const version = versionOf(code);
      const before = this.versions.get(id);
      if (before !== undefined && before !== version) this.changed += 1;
      this.versions.set(id, version);
      if (code.is_managed === false) continue;
      const key = `${String(code.name)}|${String(code.starts_at)}|${String(code.ends_at)}`;
      const twin = windows.get(key);
      if (twin) this.doubled.add(id).add(twin);
      windows.set(key, id);
    }
  }

  /** StayKey's slots for Seam's access codes, from the provider's own book on disk (it holds no PIN). */
  private slotBook(): Map<string, number> {
    const file = path.join(this.dir, 'seam-slots.json');
    const book = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { devices?: Record<string, { slots?: Record<string, string>; foreign?: Record<string, number> }> }) : {};
    const record = book.devices?.[AUGUST_FRONT];
    const slots = new Map<string, number>(Object.entries(record?.foreign ?? {}));
    for (const [slot, id] of Object.entries(record?.slots ?? {})) slots.set(id, Number(slot));
    return slots;
  }
}

function startOf(code: FakeCode): number {
  return typeof code.starts_at === 'string' ? Date.parse(code.starts_at) : -Infinity;
}

function endOf(code: FakeCode): number {
  return typeof code.ends_at === 'string' ? Date.parse(code.ends_at) : Infinity;
}

function window(code: FakeCode): { startsAt?: string; endsAt?: string } {
  return {
    ...(typeof code.starts_at === 'string' ? { startsAt: code.starts_at } : {}),
    ...(typeof code.ends_at === 'string' ? { endsAt: code.ends_at } : {}),
  };
}

function versionOf(code: FakeCode): string {
  return `${String(code.name)}|${String(code.starts_at)}|${String(code.ends_at)}|${code.code}`;
}
