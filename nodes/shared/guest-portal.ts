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
  /** Every current booking with this reservation code, so wrong tries count against the booking. */
  named(reference: string): string[];
  view(bookingId: string): GuestView | undefined;
  /** Whether the pin-issuer keeps PINs for the page until checkout (else they are shown until delivered). */
  keepsPins: boolean;
  /** The pin-issuer starts door codes with the guest's phone digits (its Phone PINs option). */
  pinsFromPhone: boolean;
}

export interface GuestPortalNode extends Node {
  guestPortal?: GuestPortal;
}

export const PHONE_PINS_REFUSED =
  "its pin-issuer makes door codes from the guest's phone digits (Phone PINs), the very digits booking feeds carry and the page takes as proof: turn Phone PINs off to serve the guest page";

/**
 * The bookings a page serves. A pin-issuer with Phone PINs is refused: on a 4-digit keypad its code is
 * the phone digits themselves, so the page's proof would be the door code.
 */
export function guestPortalFor(RED: RED, pinIssuerId: string | undefined): GuestPortal {
  const node = pinIssuerId ? (RED.nodes.getNode(pinIssuerId) as GuestPortalNode | null) : null;
  if (!node?.guestPortal) throw new Error('choose the pin-issuer whose bookings this page serves (it must be deployed)');
  if (node.guestPortal.pinsFromPhone) throw new Error(PHONE_PINS_REFUSED);
  return node.guestPortal;
}
