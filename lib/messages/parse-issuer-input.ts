/**
 * Everything that reaches pin-issuer's input, read once at the door into one of the message types,
 * each by its own parser. Every id any of them carries is checked first (lib/ids.ts).
 */
import { Control, CONTROL_KINDS, parseCodeUsed, parseControl } from './parse-control';
import { parseDelivery } from './parse-delivery';
import { parseLockResult } from './parse-lock-result';
import { parseWindow } from './parse-window';
import type { CodeUsedMessage, DeliveryMessage, LockResultMessage, WindowMessage } from './index';
import { isRecord } from './text';
import { checkId } from '../ids';
import { shown } from '../shown';

export type IssuerInput = WindowMessage | LockResultMessage | DeliveryMessage | CodeUsedMessage | Control;

const KINDS = 'window, lock-result, delivery, code-used, reissue, verify, wipe, activate-backup, plan or reconcile';

/** `now` stamps a keypad use that comes without its time. */
export function parseIssuerInput(payload: unknown, now: Date): IssuerInput {
  if (!isRecord(payload) || typeof payload.kind !== 'string') {
    throw new Error(`pin-issuer needs msg.payload with a kind (${KINDS})`);
  }
  for (const field of ['bookingId', 'lockId', 'codeId', 'commandId']) checkId(payload[field], `pin-issuer: ${field}`);
  switch (payload.kind) {
    case 'window':
      return parseWindow(payload);
    case 'lock-result':
      return parseLockResult(payload);
    case 'delivery':
      return parseDelivery(payload);
    case 'code-used':
      return parseCodeUsed(payload, now);
  }
  if (CONTROL_KINDS.includes(payload.kind)) return parseControl(payload);
  throw new Error(`pin-issuer takes ${KINDS}; got kind "${shown(payload.kind)}"`);
}
