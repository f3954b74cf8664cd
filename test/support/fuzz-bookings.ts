/**
 * Generated booking messages for the fuzz tests: StayKey's own booking shape, booking-source's
 * messages, PMS webhooks, Home Assistant calendar events and code requests, each with fields that
 * are right, slightly wrong (2026-02-30, "9:60", a number for a name) or nonsense.
 */
import fc from 'fast-check';

/** Dates as hosts, PMSs and scripts write them, and the near misses that must be refused. */
export const dateLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 2, arbitrary: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`) },
  { weight: 1, arbitrary: fc.constantFrom('2026-02-29', '2026-02-30', '2028-02-29', '2026-04-31', '2026-07-10T16:00:00+02:00', '2026-07-10 16:00', '10/07/2026', 'tomorrow', '', ' ', '2026-7-1') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.date({ noInvalidDate: false })) },
);

export const timeLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean()).map(([h, m, pad]) => `${pad ? String(h).padStart(2, '0') : h}:${String(m).padStart(2, '0')}`) },
  { weight: 1, arbitrary: fc.constantFrom('24:00', '9:60', '16', '4pm', '', '16:00:00', ' 16:00 ', '-1:00', '1e1:00') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null), fc.boolean()) },
);

/**
 * Objects that String() and template strings cannot turn into text (they throw a TypeError): a flow can
 * build them, and an error message that quotes one must not become a crash of its own.
 */
export const textless: fc.Arbitrary<unknown> = fc.constantFrom('toString', 'bare', 'symbol').map((kind) => {
  if (kind === 'toString') return { toString: [] };
  if (kind === 'bare') return Object.create(null) as object;
  return { [Symbol.toPrimitive]: 'not a function' };
});

const textLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }), textless) },
);

/** StayKey's own booking shape, with every field optional and any of them possibly wrong. */
const ownBooking = fc.record(
  {
    id: fc.oneof(fc.stringMatching(/^[A-Za-z0-9@.-]{1,16}$/), textLike),
    uid: textLike,
    reservationCode: textLike,
    unit: fc.oneof(fc.constantFrom('Room 101', 'Beach house', ''), textLike),
    source: textLike,
    arrival: dateLike,
    departure: dateLike,
    checkIn: dateLike,
    checkOut: dateLike,
    arrivalAt: dateLike,
    departureAt: dateLike,
    checkInTime: timeLike,
    checkOutTime: timeLike,
    guestName: textLike,
    phoneLast4: textLike,
    guests: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double(), textLike),
    email: textLike,
    flags: fc.oneof(fc.dictionary(fc.constantFrom('paid', 'idVerified', '__proto__', 'constructor'), fc.anything({ maxDepth: 1 })), textLike),
    units: fc.oneof(fc.array(fc.constantFrom('Room 101', 'Room 102', '', ' room 101 '), { maxLength: 3 }), textLike),
    cancelled: fc.oneof(fc.boolean(), textLike),
    status: fc.oneof(fc.constantFrom('cancelled', 'confirmed', 'Canceled'), textLike),
  },
  { requiredKeys: [] },
);

/** Fields a good booking may carry, each right. */
const goodExtras = fc.record(
  {
    unit: fc.constantFrom('Room 101', 'Room 102'),
    guestName: fc.constantFrom('Ana Lima', 'Jonas Weber', 'Zoë Ørsted'),
    guests: fc.integer({ min: 1, max: 12 }),
    phoneLast4: fc.stringMatching(/^\d{4}$/),
    checkInTime: fc.constantFrom('14:00', '9:30', '23:59', '00:00'),
    checkOutTime: fc.constantFrom('11:00', '10:15', '00:00', '23:59'),
    flags: fc.record({ paid: fc.boolean() }),
  },
  { requiredKeys: [] },
);

/** Mostly right: an id and two real days (the departure usually after the arrival), good extras, now and then one wrong field. */
export const plausibleBooking = fc
  .tuple(
    fc.stringMatching(/^[A-Z0-9]{3,10}$/),
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2080-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.integer({ min: -2, max: 30 }),
    goodExtras,
    fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: ownBooking }),
  )
  .map(([id, arrival, nights, extras, wrong]) => {
    const booking: Record<string, unknown> = {
      ...extras,
      id,
      arrival: arrival.toISOString().slice(0, 10),
      departure: new Date(arrival.getTime() + nights * 86_400_000).toISOString().slice(0, 10),
    };
    // One field from a random booking, which may be nonsense.
    const key = wrong ? Object.keys(wrong)[0] : undefined;
    if (wrong && key !== undefined) booking[key] = (wrong as Record<string, unknown>)[key];
    return booking;
  });

/** A PMS webhook envelope around a reservation with its own field names. */
const webhook = fc.record({
  event: fc.constantFrom('reservation.created', 'reservation.updated', 'reservation.cancelled', 'booking_new', ''),
  reservation: fc.oneof(
    fc.record(
      {
        reservationId: textLike,
        check_in: dateLike,
        check_out: dateLike,
        arrival_date: dateLike,
        guest: fc.oneof(fc.record({ first_name: textLike, last_name: textLike, phone_numbers: fc.array(textLike, { maxLength: 2 }) }, { requiredKeys: [] }), textLike),
        guestsCount: fc.oneof(fc.integer({ min: -1, max: 10 }), textLike),
        status: textLike,
      },
      { requiredKeys: [] },
    ),
    textLike,
  ),
});

/** Home Assistant calendar events, alone, as a list, or calendar.get_events' answer. */
const calendarEvent = fc.record(
  {
    summary: fc.oneof(fc.constantFrom('Reserved', 'Airbnb (Not available)', 'Check-in: Anna Berg', 'Check-out: Anna Berg', 'Jonas Weber'), fc.string({ maxLength: 12 })),
    start: fc.oneof(dateLike, fc.record({ date: dateLike }), fc.record({ dateTime: dateLike })),
    end: fc.oneof(dateLike, fc.record({ date: dateLike }), fc.record({ dateTime: dateLike })),
    description: textLike,
    uid: textLike,
  },
  { requiredKeys: ['summary', 'start'] },
);
const calendarMessage = fc.oneof(
  calendarEvent,
  fc.array(calendarEvent, { maxLength: 4 }),
  fc.array(calendarEvent, { maxLength: 4 }).map((events) => ({ events })),
  fc.array(calendarEvent, { maxLength: 4 }).map((events) => ({ 'calendar.flat_3': { events } })),
);

/** What another booking-source sends. */
const bookingMessage = fc.record({
  kind: fc.constantFrom('booking', 'window', 'code'),
  change: fc.oneof(fc.constantFrom('created', 'changed', 'cancelled'), textLike),
  booking: fc.oneof(plausibleBooking, ownBooking, textLike),
});

/** Days around the fuzz tests' clock (1 July 2026), so codes are as often ahead as over. */
const nearDay = fc.integer({ min: -60, max: 400 }).map((days) => new Date(Date.UTC(2026, 6, 1) + days * 86_400_000).toISOString().slice(0, 10));
/** A manual code's from and to: local "2026-08-01 14:00", an instant with its offset, or a near miss. */
const dateTimeLike = fc.oneof(
  fc.tuple(nearDay, fc.integer({ min: 0, max: 23 }), fc.constantFrom('00', '30', '59')).map(([day, hour, minute]) => `${day} ${hour}:${minute}`),
  fc.tuple(nearDay, fc.constantFrom('T10:00:00Z', 'T23:30:00+02:00', 'T01:00-0330')).map(([day, rest]) => `${day}${rest}`),
  timeLike,
);

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom('00', '15', '30', '45')).map(([hour, minute]) => `${String(hour).padStart(2, '0')}:${minute}`);
const after = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Code requests that are mostly right, one of each kind. */
const plausibleCodeRequest = fc.oneof(
  fc.record({ weekdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }), from: hhmm, to: hhmm, startDate: nearDay, weeks: fc.integer({ min: 0, max: 30 }) }).map(({ weeks, startDate, ...rest }) => ({
    kind: 'staff-code',
    id: 'maria',
    name: 'Maria (cleaner)',
    ...rest,
    startDate,
    endDate: after(startDate, weeks * 7),
  })),
  fc.record({ date: nearDay, from: hhmm, to: hhmm }).map((rest) => ({ kind: 'one-time-code', id: 'plumber-7', name: 'Plumber', ...rest })),
  fc.record({ from: nearDay, fromTime: hhmm, days: fc.integer({ min: 0, max: 20 }), toTime: hhmm }).map(({ from, fromTime, days, toTime }) => ({
    kind: 'manual-code',
    id: 'owner',
    name: 'Owner stay',
    from: `${from} ${fromTime}`,
    to: `${after(from, days)} ${toTime}`,
  })),
);

/** A staff, one-time or manual code, as a host's flow would send it to access-window. */
const randomCodeRequest = fc.record(
  {
    kind: fc.constantFrom('staff-code', 'one-time-code', 'manual-code'),
    id: fc.oneof(fc.constantFrom('maria', 'plumber-7', 'owner'), textLike),
    name: fc.oneof(fc.constantFrom('Maria (cleaner)', 'Plumber'), textLike),
    unit: fc.oneof(fc.constantFrom('Room 101'), textLike),
    locks: fc.oneof(fc.array(fc.constantFrom('front', 'gate', ''), { maxLength: 3 }), textLike),
    weekdays: fc.oneof(fc.array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom('mon', 'Friday', 'x')), { maxLength: 4 }), textLike),
    from: dateTimeLike,
    to: dateTimeLike,
    startDate: fc.oneof(nearDay, dateLike),
    endDate: fc.oneof(nearDay, dateLike),
    date: fc.oneof(nearDay, dateLike),
    email: fc.oneof(fc.constant('maria@example.com'), textLike),
    cancelled: fc.oneof(fc.boolean(), textLike),
  },
  { requiredKeys: ['kind'] },
);

export const codeRequestArbitrary = fc.oneof({ weight: 2, arbitrary: plausibleCodeRequest }, { weight: 1, arbitrary: randomCodeRequest });

/** Anything a flow could put in msg.payload for booking-source or access-window. */
export const bookingLikeArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: plausibleBooking },
  { weight: 3, arbitrary: ownBooking },
  { weight: 1, arbitrary: fc.array(fc.oneof(plausibleBooking, ownBooking), { maxLength: 4 }) },
  { weight: 1, arbitrary: webhook },
  { weight: 1, arbitrary: calendarMessage },
  { weight: 1, arbitrary: bookingMessage },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);
