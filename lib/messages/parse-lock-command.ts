/**
 * What lock-provider is given: a command (pin-issuer -> lock-provider), a host's confirmation of a
 * manual task, or a query for the locks' state. Parsed once here; a command that does not make sense
 * never reaches a lock.
 */
import { checkId } from '../ids';
import { shown } from '../shown';
import { isSealedPin, SealedPin } from '../pins/vault';
import type { LockCommand, LockCommandMessage } from './index';

const COMMAND_ACTIONS = ['set', 'update', 'clear', 'read'];

/** A manual-confirm carries its lock and slot; they are read once the locks are known to be manual. */
export type LockProviderInput =
  | LockCommandMessage
  | { kind: 'manual-confirm'; payload: Record<string, unknown> }
  | { kind: 'lock-query' };

export interface ManualConfirm {
  lockId: string;
  slot: number;
}

export function parseLockProviderInput(payload: Record<string, unknown>): LockProviderInput {
  switch (payload.kind) {
    case 'lock-command':
      return parseLockCommand(payload);
    case 'manual-confirm':
      return { kind: 'manual-confirm', payload };
    case 'lock-query':
      return { kind: 'lock-query' };
    default:
      throw new Error(`lock-provider takes lock-command, manual-confirm or lock-query messages, not ${describeKind(payload.kind)}`);
  }
}

export function parseLockCommand(payload: Record<string, unknown>): LockCommandMessage {
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

/** The slot is taken as given: the manual locks say which slots hold no task. */
export function parseManualConfirm(payload: Record<string, unknown>): ManualConfirm {
  const lockId = checkId(String(payload.lockId ?? ''), 'manual-confirm: lockId');
  return { lockId, slot: Number(payload.slot) };
}

function describeKind(kind: unknown): string {
  if (kind === undefined) return 'a message without payload.kind';
  return `"${shown(kind)}"`;
}
