/** German, in the polite "Sie". After "Hallo Maria," a German letter goes on in lower case. */
import type { Catalog } from './en';

export const de: Catalog = {
  guestSubject: '{{#hasCodes}}Ihr Türcode für {{place}}{{/hasCodes}}{{^hasCodes}}Ihr Aufenthalt in {{place}}{{/hasCodes}}',
  guestBody: `Hallo{{#guestName}} {{guestName}}{{/guestName}},

{{#hasCodes}}
{{#backup}}
leider konnte Ihr eigener Code nicht rechtzeitig im Türschloss gespeichert werden. Hier ist ein Ersatzcode für {{place}}, gültig bis zum Check-out:
{{/backup}}
{{^backup}}
{{#changed}}
die Details Ihres Aufenthalts haben sich geändert. Ihr Türcode:
{{/changed}}
{{^changed}}
hier ist Ihr Türcode für {{place}}:
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
für den Zeitraum {{checkIn}} bis {{checkOut}} gibt es keinen Türcode. Ein zuvor gesendeter Code öffnet die Tür nicht mehr.
{{/hasCodes}}
{{#hostContact}}

Fragen? {{hostContact}}
{{/hostContact}}
`,
  noCode: 'Kein Türcode für diesen Zeitraum',
  sameCode: 'derselbe Code wie bisher',
  codeHours: 'gilt von {{from}} bis {{until}}',
  codeLine: '{{unit}}: {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  pageTitle: 'Check-in: {{property}}',
  pageTitleNoProperty: 'Check-in für Gäste',
  confirmIntro: 'Bestätigen Sie Ihre Buchung, um Ihren Aufenthalt und Ihren Türcode zu sehen.',
  referenceLabel: 'Buchungscode',
  proofLabel: 'Nachname oder die letzten 4 Ziffern Ihrer Telefonnummer',
  showStay: 'Meinen Aufenthalt anzeigen',
  welcome: 'Willkommen, {{guestName}}.',
  unitLabel: 'Unterkunft',
  checkInLabel: 'Check-in',
  checkOutLabel: 'Check-out',
  timesLocal: 'Alle Zeiten in Ortszeit der Unterkunft ({{timeZone}}).',
  yourCode: 'Ihr Türcode',
  notReadyOn: 'Ihr Code ist noch nicht bereit. Er erscheint hier am {{when}}.',
  notReadyBeforeCheckIn: 'Ihr Code ist noch nicht bereit. Er erscheint hier vor dem Check-in.',
  onHold: 'Ihr Code wird noch zurückgehalten. Bitte wenden Sie sich an Ihren Gastgeber.',
  codeOnItsWay: 'Ihr neuer Code wird gerade an das Türschloss übertragen. Schauen Sie in ein paar Minuten wieder vorbei.',
  codeWasSent: 'Ihr Code wurde Ihnen bereits zugeschickt. Falls Sie ihn nicht mehr finden, bitten Sie Ihren Gastgeber, ihn neu zu vergeben.',
  signOut: 'Abmelden',
  bookingChanged: 'Ihr Gastgeber hat Ihre Buchung geändert oder Ihren Türcode neu vergeben. Bitte bestätigen Sie Ihre Buchung erneut, um Ihren Code zu sehen.',
  stayEnded: 'Dieser Aufenthalt ist nicht mehr aktuell. Bitte bestätigen Sie Ihre Buchung erneut.',
  pageExpired: 'Diese Seite war abgelaufen. Bitte versuchen Sie es noch einmal.',
  fieldsMissing: 'Geben Sie Ihren Buchungscode und Ihren Nachnamen ein (oder die letzten 4 Ziffern Ihrer Telefonnummer).',
  nameTooShort: 'Ein Nachname aus nur einem Buchstaben reicht zur Bestätigung nicht aus. Geben Sie stattdessen die letzten 4 Ziffern Ihrer Telefonnummer ein.',
  notFound: 'Wir haben keine aktuelle Buchung mit diesen Angaben gefunden. Prüfen Sie den Buchungscode in Ihrer Buchungsbestätigung und versuchen Sie es erneut.',
  unavailable: 'Die Check-in-Seite kann gerade keine Buchungen anzeigen. Bitte wenden Sie sich an Ihren Gastgeber.',
  lockedOutOneMinute:
    'Zu viele Versuche. Zum Schutz aller Gäste ist diese Seite für Sie 1 Minute lang gesperrt. Bitte versuchen Sie es später erneut oder wenden Sie sich an Ihren Gastgeber.',
  lockedOutMinutes:
    'Zu viele Versuche. Zum Schutz aller Gäste ist diese Seite für Sie {{minutes}} Minuten lang gesperrt. Bitte versuchen Sie es später erneut oder wenden Sie sich an Ihren Gastgeber.',
  somethingWrong: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut oder wenden Sie sich an Ihren Gastgeber.',
};
