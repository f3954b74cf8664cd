/** What access-window shows under itself after a message: whose window, and when it opens. */
import { instantToZoned } from '../time/zoned';
import type { OutgoingWindow } from './access-windows';
import { periodAround } from './recurrence';
import type { SentWindow } from './units';

export interface WindowStatus {
  fill: 'green' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

const DAY_MS = 24 * 3600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function windowStatus(outgoing: OutgoingWindow[], now: Date): WindowStatus {
  // A dropped unit's cancellation is a side effect; the booking itself is what the host wants to see.
  const visible = outgoing.filter((out) => !out.dropped);
  const { change, sent } = visible[visible.length - 1];
  const label = windowLabel(sent, visible.length);
  if (change === 'cancelled') return { fill: 'grey', shape: 'ring', text: `${label}: cancelled` };
  const window = sent.window;
  // Staff hours: the next time the cleaner can come in says more than the first day of the range.
  const opensAt = (window.weekly && periodAround(window, now)?.startsAt) || window.checkInAt;
  const ahead = Date.parse(opensAt) - now.getTime();
  if (ahead >= DAY_MS) return { fill: 'green', shape: 'dot', text: `${label}: in ${Math.floor(ahead / DAY_MS)} d` };
  const ended = Date.parse(window.endsAt) <= now.getTime();
  return { fill: ended ? 'grey' : 'green', shape: 'dot', text: `${label}: ${shortLocal(opensAt, window.timeZone)}` };
}

/** "Room 101", "2 units", or for a staff, one-time or manual code the person's name. */
function windowLabel(sent: SentWindow, count: number): string {
  if (sent.window.kind && sent.window.kind !== 'guest') return sent.booking.guestName ?? sent.booking.id;
  return count > 1 ? `${count} units` : sent.window.unit;
}

/** "10 Jul 16:00" on the property's clocks. */
function shortLocal(instant: string, zone: string): string {
  const local = instantToZoned(new Date(instant), zone);
  const month = MONTHS[Number(local.date.slice(5, 7)) - 1];
  return `${Number(local.date.slice(8, 10))} ${month} ${local.time}`;
}
