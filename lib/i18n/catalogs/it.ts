/** Italian, with the polite "Lei". After "Buongiorno Maria," an Italian letter goes on in lower case. */
import type { Catalog } from './en';

export const it: Catalog = {
  guestSubject: "{{#hasCodes}}Il suo codice d'accesso per {{place}}{{/hasCodes}}{{^hasCodes}}Il suo soggiorno presso {{place}}{{/hasCodes}}",
  guestBody: `Buongiorno{{#guestName}} {{guestName}}{{/guestName}},

{{#hasCodes}}
{{#backup}}
non è stato possibile attivare in tempo il suo codice sulla serratura, quindi ecco un codice di riserva per {{place}}, valido fino alla partenza:
{{/backup}}
{{^backup}}
{{#changed}}
i dettagli del suo soggiorno sono cambiati. Il suo codice d'accesso:
{{/changed}}
{{^changed}}
ecco il suo codice d'accesso per {{place}}:
{{/changed}}
{{/backup}}
{{codesText}}

Arrivo: {{checkIn}}
Partenza: {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
per queste date non c'è alcun codice d'accesso (dal {{checkIn}} al {{checkOut}}). I codici ricevuti in precedenza non aprono più la porta.
{{/hasCodes}}
{{#hostContact}}

Per qualsiasi domanda: {{hostContact}}
{{/hostContact}}
`,
  noCode: "Nessun codice d'accesso per queste date",
  sameCode: 'lo stesso codice di prima',
  codeHours: 'valido dal {{from}} al {{until}}',
  codeLine: '{{unit}}: {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  pageTitle: 'Check-in: {{property}}',
  pageTitleNoProperty: 'Check-in ospiti',
  confirmIntro: "Confermi la sua prenotazione per vedere il soggiorno e il codice d'accesso.",
  referenceLabel: 'Codice di prenotazione',
  proofLabel: 'Cognome, oppure le ultime 4 cifre del suo telefono',
  showStay: 'Mostra il mio soggiorno',
  welcome: 'Le diamo il benvenuto, {{guestName}}.',
  unitLabel: 'Alloggio',
  checkInLabel: 'Arrivo',
  checkOutLabel: 'Partenza',
  timesLocal: "Gli orari sono quelli locali dell'alloggio ({{timeZone}}).",
  yourCode: "Il suo codice d'accesso",
  notReadyOn: 'Il suo codice non è ancora pronto. Comparirà qui il {{when}}.',
  notReadyBeforeCheckIn: 'Il suo codice non è ancora pronto. Comparirà qui prima del check-in.',
  onHold: "Il suo codice è in sospeso. La preghiamo di contattare l'host.",
  codeOnItsWay: 'Il suo nuovo codice è in fase di invio alla serratura. Ricontrolli tra qualche minuto.',
  codeWasSent: "Il codice le è già stato inviato; se lo ha perso, chieda all'host di reimpostarlo.",
  signOut: 'Esci',
  bookingChanged: "L'host ha modificato la sua prenotazione o reimpostato il suo codice d'accesso. Confermi di nuovo la prenotazione per vedere il codice.",
  stayEnded: 'Questo soggiorno non è più in corso. Confermi di nuovo la prenotazione.',
  pageExpired: 'La pagina era scaduta. La preghiamo di riprovare.',
  fieldsMissing: 'Inserisca il codice di prenotazione e il cognome (oppure le ultime 4 cifre del suo telefono).',
  nameTooShort: 'Un cognome di una sola lettera non basta per confermare una prenotazione. Inserisca invece le ultime 4 cifre del suo telefono.',
  notFound: 'Non abbiamo trovato nessuna prenotazione in corso con questi dati. Controlli il codice di prenotazione nella conferma e riprovi.',
  unavailable: "Al momento la pagina di check-in non può mostrare le prenotazioni. La preghiamo di contattare l'host.",
  lockedOutOneMinute:
    "Troppi tentativi. Per la sicurezza di tutti gli ospiti, questa pagina è bloccata per lei per 1 minuto. Riprovi più tardi o contatti l'host.",
  lockedOutMinutes:
    "Troppi tentativi. Per la sicurezza di tutti gli ospiti, questa pagina è bloccata per lei per {{minutes}} minuti. Riprovi più tardi o contatti l'host.",
  somethingWrong: "Si è verificato un errore. Riprovi o contatti l'host.",
};
