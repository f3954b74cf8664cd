/**
 * English, the texts every other language's catalog must match key for key (`Catalog` is this object's
 * shape, so a catalog with a key missing or extra does not compile). Each value is a mustache template:
 * `{{name}}` is filled in, `{{#name}}...{{/name}}` shown only when it is set. Every language uses the
 * same names in each text (test/languages.test.ts checks it).
 */
export const en = {
  // The guest's code message: subject and body.
  guestSubject: '{{#hasCodes}}Your door code for {{place}}{{/hasCodes}}{{^hasCodes}}Your stay at {{place}}{{/hasCodes}}',
  guestBody: `Hello{{#guestName}} {{guestName}}{{/guestName}},

{{#hasCodes}}
{{#backup}}
Your own code could not be set on the lock in time, so here is a backup code for {{place}}, valid until check-out:
{{/backup}}
{{^backup}}
{{#changed}}
Your stay details have changed. Your door code:
{{/changed}}
{{^changed}}
Here is your door code for {{place}}:
{{/changed}}
{{/backup}}
{{codesText}}

Check-in: {{checkIn}}
Check-out: {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
{{codesText}} ({{checkIn}} to {{checkOut}}). Any code you were sent before no longer opens the door.
{{/hasCodes}}
{{#hostContact}}

Questions? {{hostContact}}
{{/hostContact}}
`,
  /** `{{codesText}}` when the guest has no code (none for these dates, or withdrawn). */
  noCode: 'No access code for these dates',
  /** In place of a PIN the guest was told before and StayKey keeps only as a hash. */
  sameCode: 'same code as before',
  /** The hours a lock honours a code, where they differ from the stay's (an offline code). */
  codeHours: 'works {{from}} to {{until}}',
  /** One line of `{{codesText}}`: a unit and its code (a PIN, `sameCode`, maybe with `codeHours`). */
  codeLine: '{{unit}}: {{code}}',
  /** A unit whose locks take different codes: one line per code, naming its locks. */
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  // The check-in page.
  pageTitle: 'Check-in: {{property}}',
  pageTitleNoProperty: 'Guest check-in',
  confirmIntro: 'Confirm your booking to see your stay and your door code.',
  referenceLabel: 'Reservation code',
  proofLabel: 'Last name, or the last 4 digits of your phone',
  showStay: 'Show my stay',
  welcome: 'Welcome, {{guestName}}.',
  unitLabel: 'Unit',
  checkInLabel: 'Check-in',
  checkOutLabel: 'Check-out',
  timesLocal: 'Times are local to the property ({{timeZone}}).',
  yourCode: 'Your door code',
  notReadyOn: 'Your code is not ready yet. It will appear here on {{when}}.',
  notReadyBeforeCheckIn: 'Your code is not ready yet. It will appear here before check-in.',
  onHold: 'Your code is on hold. Please contact your host.',
  codeOnItsWay: 'Your new code is on its way to the lock. Check back in a few minutes.',
  codeWasSent: 'Your code was sent to you; ask your host to reset it if you lost it.',
  signOut: 'Sign out',
  bookingChanged: 'Your host has changed your booking or reset your door code. Please confirm your booking again to see your code.',
  stayEnded: 'This stay is no longer current. Please confirm your booking again.',
  pageExpired: 'This page had expired. Please try again.',
  fieldsMissing: 'Enter your reservation code and your last name (or the last 4 digits of your phone).',
  nameTooShort: 'A last name of one letter is not enough to confirm a booking. Enter the last 4 digits of your phone instead.',
  notFound: 'We could not find a current booking with these details. Check the reservation code in your booking confirmation and try again.',
  unavailable: 'The check-in page cannot show bookings right now. Please contact your host.',
  lockedOutOneMinute: 'Too many tries. For the safety of every guest this page is locked for you for 1 minute. Please try again later or contact your host.',
  lockedOutMinutes: 'Too many tries. For the safety of every guest this page is locked for you for {{minutes}} minutes. Please try again later or contact your host.',
  somethingWrong: 'Something went wrong. Please try again or contact your host.',
};

/** Every language's texts: the same keys as English, each a string. */
export type Catalog = { readonly [K in keyof typeof en]: string };

export type CatalogKey = keyof Catalog;
