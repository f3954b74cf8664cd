/**
 * A ledger in PostgreSQL seals PINs with the property's PIN key, the same on every instance, so any
 * instance that takes over opens them. The other nodes of a Node-RED (lock-provider, notifier) seal and
 * open with that installation's own key. At the pin-issuer's edge each sealed PIN is sealed again for
 * the other side: PINs stored in the database are always under the shared key, and messages between
 * nodes stay as they were.
 */
import type { IssuerOutput } from '../issuer';
import type { IssuerInput } from '../../messages/parse-issuer-input';
import type { Vault } from '../../pins/vault';

export class PinBoundary {
  constructor(
    private readonly shared: Vault,
    private readonly local: Vault,
  ) {}

  /** Commands, guest codes and host tasks leave with PINs the installation's nodes can open. */
  outgoing(output: IssuerOutput): IssuerOutput {
    return {
      commands: output.commands.map((command) => (command.pin ? { ...command, pin: this.toLocal(command.pin) } : command)),
      codeMessages: output.codeMessages.map((message) => ({
        ...message,
        codes: message.codes.map((code) => (code.pin ? { ...code, pin: this.toLocal(code.pin) } : code)),
      })),
      alerts: output.alerts.map((alert) => (alert.pin ? { ...alert, pin: this.toLocal(alert.pin) } : alert)),
    };
  }

  /** A lock's answer brings PINs the lock-provider sealed: the ledger keeps them under the shared key. */
  incoming(input: IssuerInput): IssuerInput {
    if (input.kind !== 'lock-result') return input;
    const result = { ...input };
    if (result.codes) result.codes = result.codes.map((code) => (code.pin ? { ...code, pin: this.toShared(code.pin) } : code));
    if (result.fromLock) result.fromLock = { ...result.fromLock, pin: this.toShared(result.fromLock.pin) };
    return result;
  }

  /** Already under the installation's key (sealed before this ledger moved to the database): kept as it is. */
  private toLocal(sealed: string): string {
    let pin: string;
    try {
      pin = this.shared.open(sealed);
    } catch {
      this.local.open(sealed);
      return sealed;
    }
    return this.local.seal(pin);
  }

  /** Already under the shared key (another node of this kind sealed it): kept as it is. */
  private toShared(sealed: string): string {
    let pin: string;
    try {
      pin = this.local.open(sealed);
    } catch {
      this.shared.open(sealed);
      return sealed;
    }
    return this.shared.seal(pin);
  }
}
