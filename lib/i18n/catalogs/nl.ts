/** Dutch, with the polite "u". */
import type { Catalog } from './en';

export const nl: Catalog = {
  guestSubject: '{{#hasCodes}}Uw deurcode voor {{place}}{{/hasCodes}}{{^hasCodes}}Uw verblijf in {{place}}{{/hasCodes}}',
  guestBody: `Beste{{#guestName}} {{guestName}}{{/guestName}}{{^guestName}} gast{{/guestName}},

{{#hasCodes}}
{{#backup}}
Uw eigen code kon niet op tijd op het slot worden gezet. Hier is een reservecode voor {{place}}, geldig tot uw vertrek:
{{/backup}}
{{^backup}}
{{#changed}}
De gegevens van uw verblijf zijn gewijzigd. Uw deurcode:
{{/changed}}
{{^changed}}
Hier is uw deurcode voor {{place}}:
{{/changed}}
{{/backup}}
{{codesText}}

Inchecken: {{checkIn}}
Uitchecken: {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
{{codesText}} (van {{checkIn}} tot {{checkOut}}). Codes die u eerder hebt ontvangen, openen de deur niet meer.
{{/hasCodes}}
{{#hostContact}}

Vragen? {{hostContact}}
{{/hostContact}}
`,
  noCode: 'Geen deurcode voor deze periode',
  sameCode: 'dezelfde code als eerder',
  codeHours: 'geldig van {{from}} tot {{until}}',
  codeLine: '{{unit}}: {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  pageTitle: 'Inchecken: {{property}}',
  pageTitleNoProperty: 'Inchecken voor gasten',
  confirmIntro: 'Bevestig uw boeking om uw verblijf en uw deurcode te zien.',
  referenceLabel: 'Reserveringscode',
  proofLabel: 'Achternaam, of de laatste 4 cijfers van uw telefoonnummer',
  showStay: 'Toon mijn verblijf',
  welcome: 'Welkom, {{guestName}}.',
  unitLabel: 'Accommodatie',
  checkInLabel: 'Inchecken',
  checkOutLabel: 'Uitchecken',
  timesLocal: 'Alle tijden zijn de lokale tijd van de accommodatie ({{timeZone}}).',
  yourCode: 'Uw deurcode',
  notReadyOn: 'Uw code is nog niet klaar. Hij verschijnt hier op {{when}}.',
  notReadyBeforeCheckIn: 'Uw code is nog niet klaar. Hij verschijnt hier vóór het inchecken.',
  onHold: 'Uw code staat nog in de wacht. Neem contact op met uw host.',
  codeOnItsWay: 'Uw nieuwe code wordt naar het slot verstuurd. Kijk over een paar minuten opnieuw.',
  codeWasSent: 'Uw code is al naar u verstuurd; bent u hem kwijt, vraag uw host dan om een nieuwe code.',
  signOut: 'Afmelden',
  bookingChanged: 'Uw host heeft uw boeking gewijzigd of uw deurcode opnieuw ingesteld. Bevestig uw boeking opnieuw om uw code te zien.',
  stayEnded: 'Dit verblijf is niet meer actueel. Bevestig uw boeking opnieuw.',
  pageExpired: 'Deze pagina was verlopen. Probeer het opnieuw.',
  fieldsMissing: 'Vul uw reserveringscode en uw achternaam in (of de laatste 4 cijfers van uw telefoonnummer).',
  nameTooShort: 'Een achternaam van één letter is niet genoeg om een boeking te bevestigen. Vul in plaats daarvan de laatste 4 cijfers van uw telefoonnummer in.',
  notFound: 'We hebben geen actuele boeking met deze gegevens gevonden. Controleer de reserveringscode in uw boekingsbevestiging en probeer het opnieuw.',
  unavailable: 'De incheckpagina kan op dit moment geen boekingen tonen. Neem contact op met uw host.',
  lockedOutOneMinute:
    'Te veel pogingen. Voor de veiligheid van alle gasten is deze pagina 1 minuut voor u geblokkeerd. Probeer het later opnieuw of neem contact op met uw host.',
  lockedOutMinutes:
    'Te veel pogingen. Voor de veiligheid van alle gasten is deze pagina {{minutes}} minuten voor u geblokkeerd. Probeer het later opnieuw of neem contact op met uw host.',
  somethingWrong: 'Er ging iets mis. Probeer het opnieuw of neem contact op met uw host.',
};
