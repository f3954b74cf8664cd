import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { AlertMessage, LockCommandMessage } from '../../lib/messages';
import { parseLockProviderInput } from '../../lib/messages/parse-lock-command';
import { taskAlert } from '../../lib/locks/manual';
import type { LockSet } from '../../lib/locks/lock-set';
import { confirmHostTask, countsText, listenForKeypad, lockState } from '../../lib/locks/lock-state';
import { watchRegistry } from '../../lib/locks/home-assistant/registry-watch';
import { lockSetFor } from '../shared/lock-set';
import { showHaState } from '../ha-server/ha-link';
import { showBrokerState } from '../mqtt-broker/broker-status';
import { errorText, RED, reportInputError, showStatus } from '../shared/runtime';

interface LockProviderDef extends NodeDef {
  locks?: string;
}

type Send = (msg: NodeMessage | (NodeMessage | null)[]) => void;
type Done = (err?: Error) => void;

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
    const stopKeypad = lockSet ? listenForKeypad(lockSet, (used) => node.send([{ topic: 'code-used', payload: used }, null])) : undefined;
    const connection = lockSet?.provider.connection;
    // Locks reached through Home Assistant: the node shows when the connection drops or the token is refused.
    const haClient = connection?.kind === 'home-assistant' ? connection.client : undefined;
    const stopHa = lockSet && haClient ? showHaState(node, haClient, 'HA connected', () => showCounts(node, lockSet!)) : undefined;
    const stopRegistryCheck = haClient ? watchRegistry(haClient, (problem) => tellRegistryProblem(node, problem)) : undefined;
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
  const input = parseLockProviderInput((msg.payload ?? {}) as Record<string, unknown>);
  switch (input.kind) {
    case 'lock-command':
      return runCommand(node, lockSet, msg, send, input);
    case 'manual-confirm':
      msg.payload = confirmHostTask(lockSet, input.payload);
      send([msg, null]);
      showCounts(node, lockSet);
      return;
    case 'lock-query':
      msg.payload = await lockState(lockSet);
      send([msg, null]);
      return;
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

function listenForTasks(node: Node, lockSet: LockSet): (() => void) | undefined {
  const tasks = lockSet.provider.hostTasks;
  if (!tasks) return undefined;
  return tasks.onTask((task) => {
    node.send([null, { topic: 'manual-task', payload: taskAlert(task) }]);
    showCounts(node, lockSet);
  });
}

/** On the tasks output and in the log: keypad use and battery sensors wait on it. */
function tellRegistryProblem(node: Node, problem: string): void {
  node.warn(problem);
  const alert: AlertMessage = { kind: 'alert', severity: 'warning', topic: 'home-assistant', text: problem };
  node.send([null, { topic: 'home-assistant', payload: alert }]);
}

function showCounts(node: Node, lockSet: LockSet): void {
  showStatus(node, 'green', countsText(lockSet));
}
