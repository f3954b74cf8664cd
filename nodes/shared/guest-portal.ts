/**
 * What a pin-issuer lends the guest check-in page: find a booking from what the guest types, and the
 * view of it they may see. The page does the rate limiting and sessions; the ledger stays the truth.
 */
import type { Node } from 'node-red';
import type { GuestView } from '../../lib/ledger/ledger';
import type { RED } from './runtime';

export interface GuestPortal {
  /** The booking id the reservation code and last name (or phone digits) prove, or undefined. */
  find(reference: string, proof: string): string | undefined;
  view(bookingId: string): GuestView | undefined;
  /** Whether the pin-issuer keeps PINs for the page until checkout (else they are shown until delivered). */
  keepsPins: boolean;
}

export interface GuestPortalNode extends Node {
  guestPortal?: GuestPortal;
}

export function guestPortalFor(RED: RED, pinIssuerId: string | undefined): GuestPortal {
  const node = pinIssuerId ? (RED.nodes.getNode(pinIssuerId) as GuestPortalNode | null) : null;
  if (!node?.guestPortal) throw new Error('choose the pin-issuer whose bookings this page serves (it must be deployed)');
  return node.guestPortal;
}
