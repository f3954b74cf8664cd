/** Spanish (Spain), with "usted": polite in Spain and in Latin America alike. */
import type { Catalog } from './en';

export const es: Catalog = {
  guestSubject: '{{#hasCodes}}Su código de acceso para {{place}}{{/hasCodes}}{{^hasCodes}}Su estancia en {{place}}{{/hasCodes}}',
  guestBody: `Hola{{#guestName}}, {{guestName}}{{/guestName}}:

{{#hasCodes}}
{{#backup}}
No hemos podido activar su código en la cerradura a tiempo, así que aquí tiene un código alternativo para {{place}}, válido hasta su salida:
{{/backup}}
{{^backup}}
{{#changed}}
Los datos de su estancia han cambiado. Su código de acceso:
{{/changed}}
{{^changed}}
Aquí tiene su código de acceso para {{place}}:
{{/changed}}
{{/backup}}
{{codesText}}

Entrada: {{checkIn}}
Salida: {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
{{codesText}} (del {{checkIn}} al {{checkOut}}). Los códigos que recibió antes ya no abren la puerta.
{{/hasCodes}}
{{#hostContact}}

¿Alguna pregunta? {{hostContact}}
{{/hostContact}}
`,
  noCode: 'No hay código de acceso para estas fechas',
  sameCode: 'el mismo código de antes',
  codeHours: 'válido del {{from}} al {{until}}',
  codeLine: '{{unit}}: {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  pageTitle: 'Check-in: {{property}}',
  pageTitleNoProperty: 'Check-in de huéspedes',
  confirmIntro: 'Confirme su reserva para ver su estancia y su código de acceso.',
  referenceLabel: 'Código de reserva',
  proofLabel: 'Apellido, o los últimos 4 dígitos de su teléfono',
  showStay: 'Ver mi estancia',
  welcome: 'Le damos la bienvenida, {{guestName}}.',
  unitLabel: 'Alojamiento',
  checkInLabel: 'Entrada',
  checkOutLabel: 'Salida',
  timesLocal: 'Las horas son las locales del alojamiento ({{timeZone}}).',
  yourCode: 'Su código de acceso',
  notReadyOn: 'Su código aún no está listo. Aparecerá aquí el {{when}}.',
  notReadyBeforeCheckIn: 'Su código aún no está listo. Aparecerá aquí antes de su llegada.',
  onHold: 'Su código está en espera. Póngase en contacto con su anfitrión.',
  codeOnItsWay: 'Su nuevo código se está enviando a la cerradura. Vuelva a consultar en unos minutos.',
  codeWasSent: 'Ya le enviamos su código; si lo ha perdido, pida a su anfitrión que lo restablezca.',
  signOut: 'Cerrar sesión',
  bookingChanged: 'Su anfitrión ha modificado su reserva o ha restablecido su código de acceso. Confirme de nuevo su reserva para ver su código.',
  stayEnded: 'Esta estancia ya no está vigente. Confirme de nuevo su reserva.',
  pageExpired: 'Esta página había caducado. Inténtelo de nuevo.',
  fieldsMissing: 'Introduzca su código de reserva y su apellido (o los últimos 4 dígitos de su teléfono).',
  nameTooShort: 'Un apellido de una sola letra no basta para confirmar una reserva. Introduzca en su lugar los últimos 4 dígitos de su teléfono.',
  notFound: 'No encontramos ninguna reserva vigente con estos datos. Compruebe el código de reserva en su confirmación e inténtelo de nuevo.',
  unavailable: 'La página de check-in no puede mostrar reservas en este momento. Póngase en contacto con su anfitrión.',
  lockedOutOneMinute:
    'Demasiados intentos. Por la seguridad de todos los huéspedes, esta página queda bloqueada para usted durante 1 minuto. Inténtelo más tarde o póngase en contacto con su anfitrión.',
  lockedOutMinutes:
    'Demasiados intentos. Por la seguridad de todos los huéspedes, esta página queda bloqueada para usted durante {{minutes}} minutos. Inténtelo más tarde o póngase en contacto con su anfitrión.',
  somethingWrong: 'Algo ha salido mal. Inténtelo de nuevo o póngase en contacto con su anfitrión.',
};
