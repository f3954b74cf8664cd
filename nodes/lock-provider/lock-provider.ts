import { checkId } from '../../lib/ids';
import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AlertMessage, CodeUsedMessage, LockCommand, LockCommandMessage, LockResultMessage } from '../../lib/messages';
import { taskAlert } from '../../lib/locks/manual';
import { isSealedPin, SealedPin } from '../../lib/pins/vault';
import type { LockSet } from '../../lib/locks/lock-set';
import { lockSetFor } from '../shared/lock-set';
import { showHaState } from '../ha-server/ha-link';
import { showBrokerState } from '../mqtt-broker/broker-status';
import { shown } from '../../lib/shown';
import type { HaClient } from '../../lib/ha/connection';
import { registryProblem } from '../../lib/locks/home-assistant/lock-entities';
import { errorText, RED, reportInputError, showStatus } from '../shared/runtime';

interface LockProviderDef extends NodeDef {
  locks?: string;
}

/** lock-provider -> dashboards: how the locks are, without a PIN. (Belongs in lib/messages.ts.) */
interface LockStateMessage {
  kind: 'lock-state';
  locks: LockState[];
}

interface LockState {
  lockId: string;
  name: string;
  online: boolean;
  battery: number | null;
  /** Codes on the lock; null when the provider could not say. */
  codes: number | null;
  /** Manual locks: tasks still waiting for the host. */
  pendingTasks?: number;
}

type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;
type Done = (err?: Error) => void;

const COMMAND_ACTIONS = ['set', 'update', 'clear', 'read'];

/** Finds the lock set, or says why the locks config has none (it reports its own validation error). */
function findLockSet(RED: RED, configId: string | undefined): LockSet {
  try {
    return lockSetFor(RED, configId);
  } catch (err) {
    const config = configId ? (RED.nodes.getNode(configId) as (Node & { problem?: string }) | null) : null;
    throw new Error(config?.problem ?? errorText(err));
  }
}

export = function (RED: RED) {
  function LockProvider(this: Node, config: LockProviderDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let lockSet: LockSet | undefined;
    let setupProblem: string | undefined;
    try {
      lockSet = findLockSet(RED, config.locks);
    } catch (err) {
      setupProblem = errorText(err);
      showStatus(node, 'red', setupProblem, 'ring');
    }
    const stopTasks = lockSet ? listenForTasks(node, lockSet) : undefined;
    const stopKeypad = lockSet ? listenForKeypad(node, lockSet) : undefined;
    const connection = lockSet?.provider.connection;
    // Locks reached through Home Assistant: the node shows when the connection drops or the token is refused.
    const haClient = connection?.kind === 'home-assistant' ? connection.client : undefined;
    const stopHa = lockSet && haClient ? showHaState(node, haClient, 'HA connected', () => showCounts(node, lockSet!)) : undefined;
    const stopRegistryCheck = haClient ? checkRegistry(node, haClient) : undefined;
    if (lockSet) showCounts(node, lockSet);
    // Locks reached through an MQTT broker (Zigbee2MQTT): the node shows when it is down or refuses the login.
    const broker = connection?.kind === 'mqtt' ? connection.broker : undefined;
    const stopBroker = lockSet && broker ? showBrokerState(node, broker, () => showCounts(node, lockSet!)) : undefined;

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (!lockSet) return reportInputError(node, new Error(setupProblem ?? 'no locks configured'), msg, done);
      handle(node, lockSet, msg, send).then(
        () => done(),
        (err: unknown) => reportInputError(node, err, msg, done),
      );
    });

    node.on('close', (done: () => void) => {
      stopTasks?.();
      stopKeypad?.();
      stopHa?.();
      stopRegistryCheck?.();
      stopBroker?.();
      done();
    });
  }
  RED.nodes.registerType('staykey-lock-provider', LockProvider);
};

async function handle(node: Node, lockSet: LockSet, msg: NodeMessageInFlow, send: Send): Promise<void> {
  const payload = (msg.payload ?? {}) as Record<string, unknown>;
  switch (payload.kind) {
    case 'lock-command':
      return runCommand(node, lockSet, msg, send, parseCommand(payload));
    case 'manual-confirm':
      return confirmTask(node, lockSet, msg, send, payload);
    case 'lock-query':
      msg.payload = await lockState(lockSet);
      send([msg, null]);
      return;
    default:
      throw new Error(`lock-provider takes lock-command, manual-confirm or lock-query messages, not ${describeKind(payload.kind)}`);
  }
}

async function runCommand(node: Node, lockSet: LockSet, msg: NodeMessageInFlow, send: Send, message: LockCommandMessage): Promise<void> {
  const { command } = message;
  const result = await lockSet.execute(message, (attempt) => {
    showStatus(node, 'yellow', `retry ${attempt}/${lockSet.maxAttempts} ${command.lockId}`, 'ring');
  });
  msg.payload = result;
  // The pin-issuer turns a failure into the host's alert, naming the booking; sending one here too would double it.
  send([msg, null]);
  if (result.ok) showCounts(node, lockSet);
  else showStatus(node, 'red', `${command.lockId} ${result.reason ?? 'failed'}`);
}

function confirmTask(node: Node, lockSet: LockSet, msg: NodeMessageInFlow, send: Send, payload: Record<string, unknown>): void {
  const tasks = lockSet.provider.hostTasks;
  if (!tasks) throw new Error('manual-confirm is for manual locks; this locks config is not manual');
  const lockId = checkId(String(payload.lockId ?? ''), 'manual-confirm: lockId');
  const slot = Number(payload.slot);
  const task = tasks.confirm(lockId, slot);
  const result: LockResultMessage = {
    kind: 'lock-result',
    commandId: task.reference?.commandId ?? task.id,
    codeId: task.reference?.codeId ?? '',
    lockId,
    action: task.action,
    ok: true,
    confirmed: true,
    attempts: 1,
  };
  msg.payload = result;
  send([msg, null]);
  showCounts(node, lockSet);
}

/** The input is parsed once here; a command that does not make sense never reaches a lock. */
function parseCommand(payload: Record<string, unknown>): LockCommandMessage {
  const value = payload.command;
  if (typeof value !== 'object' || value === null) throw new Error('lock-command without a command');
  const raw = value as Record<string, unknown>;
  const text = (key: string): string => {
    if (typeof raw[key] !== 'string' || raw[key] === '') throw new Error(`lock-command: ${key} is missing`);
    return checkId(raw[key] as string, `lock-command: ${key}`);
  };
  checkId(raw.codeId, 'lock-command: codeId');
  const action = text('action');
  if (!COMMAND_ACTIONS.includes(action)) throw new Error(`lock-command: "${action}" is not set, update, clear or read`);
  if (raw.pin !== undefined && !isSealedPin(raw.pin)) throw new Error('lock-command: the code must travel sealed');
  if (action === 'read') return { kind: 'lock-command', command: readCommand(raw, text) };
  if (!Number.isInteger(raw.slot)) throw new Error('lock-command: slot must be a whole number');
  if (action === 'set' && raw.pin === undefined) throw new Error('lock-command: a set needs a sealed code');
  const command: LockCommand = {
    id: text('id'),
    action: action as LockCommand['action'],
    lockId: text('lockId'),
    slot: raw.slot as number,
    codeId: text('codeId'),
    name: typeof raw.name === 'string' ? raw.name : '',
    startsAt: typeof raw.startsAt === 'string' ? raw.startsAt : '',
    endsAt: typeof raw.endsAt === 'string' ? raw.endsAt : '',
    ...(raw.pin !== undefined ? { pin: raw.pin as SealedPin } : {}),
    ...(raw.resent === true ? { resent: true } : {}),
  };
  return { kind: 'lock-command', command };
}

/** A read names a lock, and a slot when only that one is to be read (0 or none: every slot). */
function readCommand(raw: Record<string, unknown>, text: (key: string) => string): LockCommand {
  if (raw.slot !== undefined && !(Number.isInteger(raw.slot) && (raw.slot as number) >= 0)) throw new Error('lock-command: slot must be a whole number');
  return {
    id: text('id'),
    action: 'read',
    lockId: text('lockId'),
    slot: (raw.slot as number | undefined) ?? 0,
    codeId: typeof raw.codeId === 'string' ? raw.codeId : '',
    name: '',
    startsAt: '',
    endsAt: '',
  };
}

function listenForTasks(node: Node, lockSet: LockSet): (() => void) | undefined {
  const tasks = lockSet.provider.hostTasks;
  if (!tasks) return undefined;
  return tasks.onTask((task) => {
    node.send([null, { topic: 'manual-task', payload: taskAlert(task) }]);
    showCounts(node, lockSet);
  });
}

/** Keypad use, where the lock reports it, goes to the pin-issuer with the lock results. */
function listenForKeypad(node: Node, lockSet: LockSet): (() => void) | undefined {
  const provider = lockSet.provider;
  if (!provider.onKeypad) return undefined;
  return provider.onKeypad((event) => {
    const used: CodeUsedMessage = { kind: 'code-used', lockId: event.lockId, slot: event.slot, success: event.success, at: event.at };
    node.send([{ topic: 'code-used', payload: used }, null]);
  });
}

async function lockState(lockSet: LockSet): Promise<LockStateMessage> {
  const locks = await Promise.all(
    lockSet.locks().map(async (lock): Promise<LockState> => {
      const status = await lockSet.provider.status(lock.id).catch(() => undefined);
      const state: LockState = {
        lockId: lock.id,
        name: lock.name,
        online: status?.online ?? false,
        battery: status?.battery ?? null,
        codes: await codeCount(lockSet, lock.id),
      };
      const tasks = lockSet.provider.hostTasks;
      if (tasks) state.pendingTasks = tasks.pendingTasks(lock.id).length;
      return state;
    }),
  );
  return { kind: 'lock-state', locks };
}

/** Simulated and manual locks answer from memory; others are asked, and may not answer. */
async function codeCount(lockSet: LockSet, lockId: string): Promise<number | null> {
  const known = knownCodeCount(lockSet, lockId);
  if (known !== undefined) return known;
  return lockSet.provider.listCodes(lockId).then(
    (codes) => codes.length,
    () => null,
  );
}

function knownCodeCount(lockSet: LockSet, lockId: string): number | undefined {
  return lockSet.provider.knownCodeCount?.(lockId);
}

/**
 * Keypad use, battery sensors and duplicate-code reports need the entity registry to know which device a
 * lock is. Where Home Assistant will not list it (by either of its listings), the host hears so once per
 * connection, on the tasks output and in the log, instead of those stopping without a word.
 */
function checkRegistry(node: Node, client: HaClient): () => void {
  let told = false;
  return client.onState((change) => {
    if (change.state !== 'connected') return;
    client.entityRegistry(true).then(
      () => {
        told = false;
      },
      (err: unknown) => {
        const problem = registryProblem(err);
        if (!problem || told) return;
        told = true;
        node.warn(problem);
        const alert: AlertMessage = { kind: 'alert', severity: 'warning', topic: 'home-assistant', text: problem };
        node.send([null, { topic: 'home-assistant', payload: alert }]);
      },
    );
  });
}

function showCounts(node: Node, lockSet: LockSet): void {
  const locks = lockSet.locks();
  const lockText = `${locks.length} lock${locks.length === 1 ? '' : 's'}`;
  const counts = locks.map((lock) => knownCodeCount(lockSet, lock.id));
  if (counts.some((count) => count === undefined)) return showStatus(node, 'green', lockText);
  const codes = counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
  showStatus(node, 'green', `${lockText}, ${codes} code${codes === 1 ? '' : 's'}`);
}

function describeKind(kind: unknown): string {
  if (kind === undefined) return 'a message without payload.kind';
  return `"${shown(kind)}"`;
}
