import { LockError, LockFailureReason } from '../provider';

/**
 * What TTLock's error codes mean for a host, and whether trying again can help. TTLock answers errors
 * with HTTP 200 and `{errcode, errmsg}`; the sentences here are ours, so a vendor text can never
 * carry a PIN or a token into a host's alert.
 */
interface Meaning {
  reason: LockFailureReason;
  transient: boolean;
  text: string;
}

const meanings: Record<number, Meaning> = {
  1: { reason: 'vendor-error', transient: true, text: 'TTLock reported that the operation failed' },
  [-3]: { reason: 'rejected-code', transient: false, text: 'TTLock refused a value StayKey sent as invalid' },
  [-1003]: {
    reason: 'unknown-lock',
    transient: false,
    text: "TTLock has no lock with this id: check the lock's TTLock id (device) in the locks config",
  },
  [-2009]: { reason: 'rejected-code', transient: false, text: 'TTLock no longer has this passcode' },
  [-2012]: {
    reason: 'offline',
    transient: true,
    text: 'no TTLock gateway is near the lock: StayKey needs a gateway (or a Wi-Fi lock) to reach it',
  },
  [-2018]: {
    reason: 'auth',
    transient: false,
    text: "the TTLock account has no permission for this lock: use the lock's admin account",
  },
  [-2025]: { reason: 'vendor-error', transient: false, text: 'the lock is frozen in TTLock: unfreeze it in the TTLock app' },
  [-2032]: {
    reason: 'rejected-code',
    transient: false,
    text: 'the lock refused the code as too simple (repeated or sequential digits)',
  },
  [-3002]: { reason: 'offline', transient: true, text: "the lock's TTLock gateway is offline: check its power and Wi-Fi" },
  [-3003]: { reason: 'busy', transient: true, text: "the lock's TTLock gateway is busy" },
  [-3006]: { reason: 'rejected-code', transient: false, text: 'TTLock takes codes of 4 to 9 digits only' },
  [-3007]: { reason: 'duplicate-code', transient: false, text: 'the lock already holds this code as another passcode' },
  [-3009]: {
    reason: 'slots-full',
    transient: false,
    text: 'the lock has no room for another passcode (250 at most): the host must remove old codes in the TTLock app',
  },
  [-3036]: {
    reason: 'offline',
    transient: true,
    text: "the lock does not answer its gateway: check its batteries and that it is within the gateway's range",
  },
  [-3037]: { reason: 'busy', transient: true, text: 'the lock is busy' },
  [-4043]: { reason: 'vendor-error', transient: false, text: 'this lock does not support that TTLock function' },
  [-4056]: {
    reason: 'slots-full',
    transient: false,
    text: "the lock's passcode storage is full: the host must remove old codes in the TTLock app",
  },
  10000: {
    reason: 'auth',
    transient: false,
    text: "TTLock does not know this client id: copy the client id of your app on the TTLock open platform into the TTLock account config",
  },
  10001: {
    reason: 'auth',
    transient: false,
    text: "TTLock does not know the client id and secret: copy them from your app on the TTLock open platform",
  },
  10003: { reason: 'auth', transient: true, text: 'TTLock did not accept the access token' },
  10004: { reason: 'auth', transient: true, text: 'the TTLock access token has expired' },
  10007: {
    reason: 'auth',
    transient: false,
    text: 'TTLock refused the user name or password: check the TTLock account config (the TTLock app account, not the developer login)',
  },
  10011: { reason: 'auth', transient: false, text: 'TTLock refused the refresh token' },
  30006: { reason: 'busy', transient: true, text: "TTLock's call-rate limit was reached" },
  30007: {
    reason: 'vendor-error',
    transient: false,
    text: "the TTLock app's monthly call quota is used up: raise it on the TTLock open platform",
  },
  30008: {
    reason: 'auth',
    transient: false,
    text: "the TTLock account belongs to another region: set the account config's server to your region's host",
  },
  80000: {
    reason: 'vendor-error',
    transient: false,
    text: "this computer's clock differs from TTLock's by more than 5 minutes: set the time (NTP) on the machine running Node-RED",
  },
};

/** A TTLock refusal, with the errcode kept so the provider can act on a few (a passcode already gone). */
export class TTLockError extends LockError {
  constructor(
    message: string,
    reason: LockFailureReason,
    transient: boolean,
    readonly errcode?: number,
  ) {
    super(message, reason, transient);
    this.name = 'TTLockError';
  }
}

/**
 * The error for an errcode. An unknown code is worth another try: it keeps the vendor's short text,
 * with long digit runs (which could be a passcode) masked.
 */
export function ttlockError(errcode: number, errmsg?: unknown): TTLockError {
  const meaning = meanings[errcode];
  if (meaning) return new TTLockError(`${meaning.text} (TTLock errcode ${errcode})`, meaning.reason, meaning.transient, errcode);
  const said = typeof errmsg === 'string' && errmsg.trim() ? `: ${maskDigits(errmsg.trim()).slice(0, 120)}` : '';
  return new TTLockError(`TTLock answered errcode ${errcode}${said}`, 'vendor-error', true, errcode);
}

function maskDigits(text: string): string {
  return text.replace(/\d{4,}/g, '••••');
}
