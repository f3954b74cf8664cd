/**
 * What the StayKey sidebar in the editor can see and do, as the running nodes offer it: each pin-issuer
 * (its overview, and verify / reissue / wipe) and each booking-source (its held cancellations, and the
 * host's confirm or reject). The nodes add themselves here while they run; the sidebar plugin
 * (nodes/sidebar) serves the board to the editor and tells it of changes. One board per process.
 */
import type { HeldCancellation } from '../../lib/bookings/booking-source';
import type { IssuerOverview } from '../../lib/ledger/overview';

export type IssuerAction = { kind: 'verify'; lockId: string } | { kind: 'reissue'; bookingId: string } | { kind: 'wipe'; lockId: string };
export type HeldAnswer = 'confirm' | 'reject';

export interface IssuerPanel {
  id: string;
  name: string;
  dryRun: boolean;
  overview(): Promise<IssuerOverview>;
  /** Rejects with a reason a host can read when the action names a lock or booking this pin-issuer does not have. */
  act(action: IssuerAction): Promise<void>;
}

export interface SourcePanel {
  id: string;
  name: string;
  unit: string;
  held(): HeldCancellation[];
  answer(answer: HeldAnswer, bookingIds: string[]): void;
}

type Listener = (kind: 'issuer' | 'source', id: string) => void;

export class SidebarBoard {
  readonly issuers = new Map<string, IssuerPanel>();
  readonly sources = new Map<string, SourcePanel>();
  private listener: Listener | undefined;

  addIssuer(panel: IssuerPanel): () => void {
    this.issuers.set(panel.id, panel);
    this.changed('issuer', panel.id);
    return () => {
      if (this.issuers.get(panel.id) === panel) this.issuers.delete(panel.id);
      this.changed('issuer', panel.id);
    };
  }

  addSource(panel: SourcePanel): () => void {
    this.sources.set(panel.id, panel);
    this.changed('source', panel.id);
    return () => {
      if (this.sources.get(panel.id) === panel) this.sources.delete(panel.id);
      this.changed('source', panel.id);
    };
  }

  /** Something a panel shows may have changed: the sidebar looks again (at most once a second). */
  changed(kind: 'issuer' | 'source', id: string): void {
    this.listener?.(kind, id);
  }

  /** The sidebar plugin listens; without it (no editor, the test helper) changes go nowhere. */
  listen(listener: Listener | undefined): void {
    this.listener = listener;
  }
}

export const sidebarBoard = new SidebarBoard();
