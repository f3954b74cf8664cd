/**
 * Which pin-issuer gives out the codes of which lock. Each pin-issuer keeps its own ledger, so two
 * driving the same lock would hand out the same slot twice and overwrite each other's guests.
 * The first to claim a lock keeps it until it closes; a second is refused, never merged.
 */
export interface LockWriter {
  id: string;
  /** The node's name as the host sees it in the editor (its id when unnamed). */
  name: string;
}

export class LockWriters {
  // Keyed by locks config and lock id, as JSON text: both are outside data, never object keys.
  private readonly owners = new Map<string, LockWriter>();

  /**
   * Claims every lock of one locks config for `writer`, all or none. Returns the writer that already
   * drives one of them (and which lock), or undefined once they are all `writer`'s.
   */
  claim(configId: string, lockIds: readonly string[], writer: LockWriter): { lockId: string; owner: LockWriter } | undefined {
    const keys = lockIds.map((lockId) => ({ lockId, key: JSON.stringify([configId, lockId]) }));
    for (const { lockId, key } of keys) {
      const owner = this.owners.get(key);
      if (owner && owner.id !== writer.id) return { lockId, owner };
    }
    for (const { key } of keys) this.owners.set(key, writer);
    return undefined;
  }

  /**
   * Claims the locks for `writer`, or says why not in words a host can act on, naming the pin-issuer that
   * drives them already.
   */
  refusal(configId: string, lockIds: readonly string[], writer: LockWriter): string | undefined {
    const taken = this.claim(configId, lockIds, writer);
    if (!taken) return undefined;
    const other = taken.owner.name === taken.owner.id ? taken.owner.id : `"${taken.owner.name}" (${taken.owner.id})`;
    return (
      `pin-issuer: lock ${taken.lockId} already gets its codes from pin-issuer ${other}; two pin-issuers on one lock would give ` +
      'out the same slots. This one does nothing: remove one of them, or give each its own locks in its own locks config.'
    );
  }

  /** Frees every lock `writerId` holds (its node closed: a redeploy, a removal). */
  release(writerId: string): void {
    for (const [key, owner] of this.owners) if (owner.id === writerId) this.owners.delete(key);
  }
}
