/**
 * The one interface every lock provider answers: simulated, manual, and later Z-Wave JS, ZHA,
 * Zigbee2MQTT, TTLock and Nuki. Retry, confirmation and serialisation live around it (CommandRunner),
 * not inside each provider.
 */
import type { HaClient } from '../ha/connection';
import type { MqttLink } from '../mqtt/link';
import type { SealedPin } from '../pins/vault';

/** The rules a lock imposes on its codes. */
export interface LockRules {
  /** Allowed PIN lengths; StayKey issues the first. */
  codeLengths: number[];
  /** Slots StayKey may use (inclusive); slots outside it (a master code in slot 1) are never touched. */
  firstSlot: number;
  lastSlot: number;
  /** Digits the keypad cannot take (Nuki: "0"; some TTLock cylinders: "089"). */
  forbiddenDigits?: string;
  /** Prefixes the lock refuses (Nuki: "12"). */
  forbiddenPrefixes?: string[];
  /** Slots inside the range StayKey must never touch (a master code, the owner's code). */
  reservedSlots?: number[];
  /** No run of this many consecutive digits, up or down, anywhere in a PIN (some Kwikset and Brivo locks: 3). */
  noRunsOf?: number;
  /** At least this many different digits in a PIN (Tedee: 3). */
  minDistinctDigits?: number;
}

/** A lock as the host configured it. */
export interface LockConfig {
  id: string;
  name: string;
  rules: LockRules;
  /** The lock keeps a schedule per code (TTLock, Nuki); if not (Z-Wave, Zigbee) a code goes on when its window opens. */
  schedules: boolean;
  batteryType?: string;
  /** Where the provider finds the lock: a Home Assistant entity (lock.front_door) or a Zigbee2MQTT device name. */
  device?: string;
  /** The property (house, building) the lock belongs to: battery digests come one per property. */
  property?: string;
  /** This lock's own battery thresholds (percent), where its batteries fade differently from the rest. */
  replaceSoonBelow?: number;
  criticalBelow?: number;
  /** The physical way in when the keypad fails; absent when the host has recorded none. */
  backupKey?: BackupKey;
  /**
   * How a code written to this lock is known to be there: its provider's `codeCheck`, filled in by the
   * locks config. On `read-back` locks the ledger reads slots before writing them and verifies daily.
   */
  codeCheck?: CodeCheck;
}

/** Every smart lock needs a physical backup: whether a key opens it, where that key is, when it was tried. */
export interface BackupKey {
  /** A mechanical key opens the lock (a key override cylinder). */
  override: boolean;
  /** Where the backup key is kept: "lockbox by the gate", "neighbour", "cleaner", "host". */
  keptAt?: string;
  /** When someone last opened the door with it (YYYY-MM-DD). */
  lastTestedOn?: string;
}

export interface LockStatus {
  lockId: string;
  online: boolean;
  /** Battery in percent, null when the lock has not reported one. */
  battery: number | null;
  /** When the lock last reported anything (ISO). */
  lastSeenAt?: string;
  /** Something the host should fix that does not stop the lock working yet (TTLock: its clock or time zone is off). */
  warning?: string;
}

/** A code as a lock holds it. `pin` is null where the lock masks PINs on read-back. */
export interface CodeOnLock {
  slot: number;
  name?: string;
  pin: string | null;
  startsAt?: string;
  endsAt?: string;
}

/** What to put in a slot. An update may leave `pin` out: the lock keeps the PIN it has. */
export interface CodeToSet {
  slot: number;
  name: string;
  pin: string;
  startsAt: string;
  endsAt: string;
}

export type CodeUpdate = Omit<CodeToSet, 'pin'> & { pin?: string };

/**
 * A code the lock's own system chose, not StayKey: an offline (algorithmic) code, or a backup code
 * pulled from the vendor's pool when the guest's own could not be set. The guest must be told this
 * PIN, and the hours the lock will honour, which may be rounded from the window asked for.
 */
export interface CodeFromLock {
  pin: string;
  startsAt: string;
  endsAt: string;
  why: 'offline-code' | 'backup-pool';
}

/** What a write may report besides success: a code the lock chose, or something the host must know. */
export interface WriteOutcome {
  fromLock?: CodeFromLock;
  /** A sentence for the host (never with a PIN): e.g. an offline code that keeps working after its removal. */
  notice?: string;
}

export type LockFailureReason =
  | 'offline'
  | 'timeout'
  | 'busy'
  | 'duplicate-code'
  | 'slots-full'
  | 'rejected-code'
  | 'unknown-lock'
  | 'auth'
  | 'vendor-error';

/** A failure a provider reports; `transient` ones are worth retrying, the others need the host or a new code. */
export class LockError extends Error {
  constructor(
    message: string,
    readonly reason: LockFailureReason,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

/**
 * A request StayKey held back itself (a vendor's call-rate limit it keeps, a gateway's pacing): it never
 * reached the vendor, so it is no attempt. The runner waits `waitMs` and sends it then.
 */
export class NotSentYet extends LockError {
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message, 'busy', true);
    this.name = 'NotSentYet';
  }
}

/** What a lock reports by itself: a code used at the keypad (or a wrong PIN tried). */
export interface KeypadEvent {
  lockId: string;
  slot: number | null;
  success: boolean;
  at: string;
}

/**
 * How a written code can be known to be on the lock:
 * - `read-back`: the lock reads codes back, so a write is confirmed by reading it (Z-Wave JS, Zigbee2MQTT,
 *   TTLock, Nuki, the simulated lock);
 * - `accepted`: the lock cannot read codes back (ZHA), so a command it accepted is as final as it gets:
 *   the code is "set, not verifiable" and everything downstream treats it as on the lock;
 * - `host`: the host keys the code in and confirms it (the manual provider).
 */
export type CodeCheck = 'read-back' | 'accepted' | 'host';

/** The connection a provider reaches its locks through, so a node can show when it drops or refuses the login. */
export type LockConnection = { kind: 'home-assistant'; client: HaClient } | { kind: 'mqtt'; broker: MqttLink };

export type ManualAction = 'set' | 'update' | 'clear';

/** The command that led to a task, so the host's confirmation can be reported against it. */
export interface TaskReference {
  commandId: string;
  codeId: string;
}

/** Something the host has to do at a keypad. The PIN travels sealed; `text` never holds it. */
export interface ManualTask {
  id: string;
  lockId: string;
  lockName: string;
  slot: number;
  action: ManualAction;
  name?: string;
  pin?: SealedPin;
  startsAt?: string;
  endsAt?: string;
  createdAt: string;
  text: string;
  reference?: TaskReference;
}

export type TaskListener = (task: ManualTask) => void;

/** Where the host keys codes in (the manual provider): the tasks StayKey sets, and the host's confirmations. */
export interface HostTasks {
  /** Tells `listener` of each new task; returns a function that stops telling it. */
  onTask(listener: TaskListener): () => void;
  pendingTasks(lockId?: string): ManualTask[];
  /** The host did the task for this slot: from now on the code is on the lock (or gone from it). */
  confirm(lockId: string, slot: number): ManualTask;
  /** Ties the waiting task of a slot to the command that asked for it. */
  noteCommand(lockId: string, slot: number, reference: TaskReference): void;
}

/**
 * Everything a node may ask of a provider. The optional members are capabilities: a provider that
 * has one declares it, and a node looks for the member, never for the provider's class.
 */
export interface LockProvider {
  readonly kind: string;
  /** How a write is known to be on the lock; `read-back` when absent. */
  readonly codeCheck?: CodeCheck;
  /**
   * `false` where no lock of this kind keeps dates with a code (Z-Wave, Zigbee), whatever its row says:
   * the ledger then puts a code on when its window opens and takes it off when it closes.
   */
  readonly schedules?: false;
  /** The connection to show on the nodes that use these locks, where there is one. */
  readonly connection?: LockConnection;
  /** Tasks for the host, where the host keys the codes in. */
  readonly hostTasks?: HostTasks;
  /** How many codes a lock holds, where the provider knows without asking the lock (simulated, manual). */
  knownCodeCount?(lockId: string): number;
  /** Keypad events, where the lock reports them; returns a function that stops listening. */
  onKeypad?(listener: (event: KeypadEvent) => void): () => void;
  listLocks(): Promise<LockConfig[]>;
  status(lockId: string): Promise<LockStatus>;
  listCodes(lockId: string): Promise<CodeOnLock[]>;
  /**
   * The code in one slot (null when empty), where the lock can be asked about one slot. The runner
   * checks a write with it instead of listCodes: reading every slot of a Z-Wave lock drains its battery.
   */
  readSlot?(lockId: string, slot: number): Promise<CodeOnLock | null>;
  /** Most locks take the PIN given and report nothing more; some choose the code themselves (WriteOutcome). */
  setCode(lockId: string, code: CodeToSet): Promise<void | WriteOutcome>;
  /** Changes a code's dates (and PIN, when given) in place: same slot, so the guest's code stays the same. */
  updateCode(lockId: string, code: CodeUpdate): Promise<void | WriteOutcome>;
  clearCode(lockId: string, slot: number): Promise<void | WriteOutcome>;
  close(): Promise<void>;
}
