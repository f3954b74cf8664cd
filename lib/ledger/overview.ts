/**
 * What the StayKey sidebar in the Node-RED editor shows of one pin-issuer: its locks and how they are,
 * the codes on each (whose, when, where they stand), the next arrivals and whether they are ready, what
 * needs the host, and the dry-run plan. A plain function of the ledger's record, so it is tested without
 * Node-RED. Every editor connected to the runtime receives it: it carries no PIN, sealed or hashed, only
 * the mask.
 */
import { classify, thresholdsFor, defaultThresholds } from '../battery/battery';
import type { LockConfig, LockStatus } from '../locks/provider';
import type { BatteryClass } from '../messages';
import { PIN_MASK } from '../notify/render';
import type { CodeKind } from '../windows/window';
import type { PlannedAction } from './ledger-options';
import type { BookingEntry, CodeEntry, CodeState, LedgerData } from './ledger-types';
import { arrivalProblems } from './readiness';

/** Arrivals shown: those within this many hours, at most MAX_ARRIVALS of them. */
const ARRIVALS_WITHIN_HOURS = 7 * 24;
const MAX_ARRIVALS = 10;
/** A long plan is cut here: the sidebar is a glance, the plan output has the rest. */
const MAX_PLAN_STEPS = 30;

export interface OverviewInput {
  data: LedgerData;
  locks: LockConfig[];
  /** The provider's kind (simulated, manual, ttlock, ...). */
  provider: string;
  /** Each lock's status as last asked; an Error when it could not be reached, absent when not asked. */
  statuses: Map<string, LockStatus | Error>;
  now: Date;
  plan: PlannedAction[];
}

/** Where a code stands, in the host's words: its ledger state, or `under way` while a command is out. */
export type CodeShownState = CodeState | 'under way' | 'waiting for a slot';

export interface CodeView {
  codeId: string;
  bookingId: string;
  kind: CodeKind;
  /** The guest's name, or the staff code's label. */
  who: string;
  slot: number;
  startsAt: string;
  endsAt: string;
  state: CodeShownState;
  onLock: boolean;
  /** Always the mask: the sidebar never has a PIN to show. */
  pin: string;
  lastError?: string;
}

export interface LockView {
  lockId: string;
  name: string;
  provider: string;
  /** null: not known (the lock was not asked, or could not be reached). */
  online: boolean | null;
  battery: number | null;
  batteryClass: BatteryClass;
  lastSeenAt?: string;
  /** When every slot was last read (the daily verify, or the host's). */
  verifiedAt?: string;
  /** A verify asked for and not answered yet. */
  verifying: boolean;
  problem?: string;
  codes: CodeView[];
}

/** ready: nothing stands between the guest and the door; not-due: the code is not issued yet, as planned. */
export type Readiness = 'ready' | 'not-ready' | 'not-due';

export interface ArrivalView {
  bookingId: string;
  who: string;
  checkInAt: string;
  /** When the code is issued (reserved, set on locks with schedules, told to the guest). */
  issueAt: string;
  locks: string[];
  readiness: Readiness;
  problems: string[];
}

export interface OpenAlert {
  severity: 'critical' | 'warning';
  text: string;
  lockId?: string;
  bookingId?: string;
}

export interface PlanStep {
  at: string;
  action: string;
  lockId: string;
  slot: number;
  bookingId: string;
  who: string;
  /** Due at the next reconcile (now or overdue), not later in the plan. */
  next: boolean;
}

export interface IssuerOverview {
  at: string;
  locks: LockView[];
  arrivals: ArrivalView[];
  alerts: OpenAlert[];
  plan: PlanStep[];
  /** How many plan steps were left out of `plan`. */
  planLeftOut: number;
}

export function issuerOverview(input: OverviewInput): IssuerOverview {
  const codes = Object.values(input.data.codes);
  const locks = input.locks.map((lock) => lockView(lock, input, codes));
  const arrivals = nextArrivals(input, codes);
  const steps = input.plan.slice().sort((a, b) => a.at.localeCompare(b.at));
  return {
    at: input.now.toISOString(),
    locks,
    arrivals,
    alerts: openAlerts(locks, arrivals, input),
    plan: steps.slice(0, MAX_PLAN_STEPS).map((step) => planStep(step, input)),
    planLeftOut: Math.max(0, steps.length - MAX_PLAN_STEPS),
  };
}

function lockView(lock: LockConfig, input: OverviewInput, codes: CodeEntry[]): LockView {
  const status = input.statuses.get(lock.id);
  const reads = input.data.reads?.[lock.id];
  const known = status !== undefined && !(status instanceof Error);
  const view: LockView = {
    lockId: lock.id,
    name: lock.name,
    provider: input.provider,
    online: known ? status.online : null,
    battery: known ? status.battery : null,
    batteryClass: known ? classify(status.battery, thresholdsFor(lock, defaultThresholds)) : 'unknown',
    verifying: (reads?.reading?.length ?? 0) > 0,
    codes: codes
      .filter((code) => code.lockId === lock.id && code.state !== 'revoked')
      .sort((a, b) => a.slot - b.slot)
      .map((code) => codeView(code, input.data.bookings[code.bookingId])),
  };
  if (known && status.lastSeenAt) view.lastSeenAt = status.lastSeenAt;
  if (reads?.readAt) view.verifiedAt = reads.readAt;
  const problem = status instanceof Error ? `could not be reached: ${status.message}` : (known && status.warning) || reads?.unreadable;
  if (problem) view.problem = problem;
  return view;
}

function codeView(code: CodeEntry, entry: BookingEntry | undefined): CodeView {
  const view: CodeView = {
    codeId: code.codeId,
    bookingId: code.bookingId,
    kind: entry?.window.kind ?? 'guest',
    who: whoOf(code.bookingId, entry),
    slot: code.slot,
    startsAt: code.honoured?.startsAt ?? entry?.window.startsAt ?? code.onLock?.startsAt ?? '',
    endsAt: code.honoured?.endsAt ?? entry?.window.endsAt ?? code.onLock?.endsAt ?? '',
    state: code.waitingForSlot ? 'waiting for a slot' : code.inFlight ? 'under way' : code.state,
    onLock: code.onLock !== undefined,
    pin: PIN_MASK,
  };
  if (code.lastError) view.lastError = code.lastError;
  return view;
}

/**
 * A guest by name; a staff, one-time or manual code by the label the host gave it. Airbnb's feed names
 * no guest ("Reserved"): its reservation code is what the host finds in the app.
 */
function whoOf(bookingId: string, entry: BookingEntry | undefined): string {
  const booking = entry?.booking;
  if (booking?.guestName) return booking.guestName;
  if (booking?.reservationCode) return `reservation ${booking.reservationCode}`;
  return booking?.summary || bookingId;
}

function nextArrivals(input: OverviewInput, codes: CodeEntry[]): ArrivalView[] {
  const now = input.now.getTime();
  const locks = new Map(input.locks.map((lock) => [lock.id, lock]));
  return Object.entries(input.data.bookings)
    .filter(([, entry]) => isArrival(entry, now))
    .sort(([, a], [, b]) => a.window.checkInAt.localeCompare(b.window.checkInAt))
    .slice(0, MAX_ARRIVALS)
    .map(([bookingId, entry]) => {
      const own = codes.filter((code) => code.bookingId === bookingId);
      const othersOnLock = (lockId: string) => codes.filter((code) => code.lockId === lockId && code.bookingId !== bookingId && code.state !== 'revoked');
      const view = { bookingId, who: whoOf(bookingId, entry), checkInAt: entry.window.checkInAt, issueAt: entry.window.issueAt, locks: entry.window.locks };
      // Before its issue time a stay has no code by design: that is not a problem to show.
      if (Date.parse(entry.window.issueAt) > now) return { ...view, readiness: 'not-due' as const, problems: [] };
      const problems = arrivalProblems({ bookingId, entry, codes: own, othersOnLock }, locks, input.statuses, input.now).map((problem) => problem.text);
      return { ...view, readiness: problems.length ? ('not-ready' as const) : ('ready' as const), problems };
    });
}

function isArrival(entry: BookingEntry, now: number): boolean {
  if (entry.cancelled || (entry.window.kind ?? 'guest') !== 'guest') return false;
  const left = Date.parse(entry.window.checkInAt) - now;
  return left > 0 && left <= ARRIVALS_WITHIN_HOURS * 3600_000;
}

/** What needs the host now: a lock down or dying, a code that failed, an arrival that is not ready. */
function openAlerts(locks: LockView[], arrivals: ArrivalView[], input: OverviewInput): OpenAlert[] {
  const alerts: OpenAlert[] = [];
  for (const lock of locks) {
    if (lock.online === false) alerts.push({ severity: 'critical', lockId: lock.lockId, text: `${lock.name} is offline` });
    if (lock.batteryClass === 'critical') alerts.push({ severity: 'critical', lockId: lock.lockId, text: `${lock.name}'s battery is critical (${lock.battery} %)` });
    else if (lock.batteryClass === 'replace-soon') alerts.push({ severity: 'warning', lockId: lock.lockId, text: `${lock.name}'s battery should be replaced soon (${lock.battery} %)` });
    if (lock.problem) alerts.push({ severity: 'warning', lockId: lock.lockId, text: `${lock.name}: ${lock.problem}` });
    for (const code of lock.codes.filter((c) => c.state === 'failed')) {
      alerts.push({ severity: 'critical', lockId: lock.lockId, bookingId: code.bookingId, text: `${code.who}'s code on ${lock.name} failed${code.lastError ? `: ${code.lastError}` : ''}` });
    }
  }
  const soon = input.now.getTime() + 24 * 3600_000;
  for (const arrival of arrivals.filter((a) => a.readiness === 'not-ready' && Date.parse(a.checkInAt) <= soon)) {
    alerts.push({ severity: 'warning', bookingId: arrival.bookingId, text: `${arrival.who} (check-in ${arrival.checkInAt}) is not ready: ${arrival.problems.join('; ')}` });
  }
  return alerts;
}

function planStep(step: PlannedAction, input: OverviewInput): PlanStep {
  return {
    at: step.at,
    action: step.action,
    lockId: step.lockId,
    slot: step.slot,
    bookingId: step.bookingId,
    who: whoOf(step.bookingId, input.data.bookings[step.bookingId]),
    next: Date.parse(step.at) <= input.now.getTime(),
  };
}
