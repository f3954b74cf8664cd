/**
 * Portuguese (Portugal), polite ("o seu"). "Apelido" is a surname in Portugal but a nickname in Brazil,
 * so the page says "apelido (sobrenome)".
 */
import type { Catalog } from './en';

export const pt: Catalog = {
  guestSubject: '{{#hasCodes}}O seu código de acesso para {{place}}{{/hasCodes}}{{^hasCodes}}A sua estadia em {{place}}{{/hasCodes}}',
  guestBody: `Olá{{#guestName}}, {{guestName}}{{/guestName}},

{{#hasCodes}}
{{#backup}}
Não foi possível ativar a tempo o seu código na fechadura, por isso aqui tem um código alternativo para {{place}}, válido até à sua saída:
{{/backup}}
{{^backup}}
{{#changed}}
Os dados da sua estadia foram alterados. O seu código de acesso:
{{/changed}}
{{^changed}}
Aqui está o seu código de acesso para {{place}}:
{{/changed}}
{{/backup}}
{{codesText}}

Entrada: {{checkIn}}
Saída: {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
{{codesText}} (de {{checkIn}} a {{checkOut}}). Os códigos que recebeu anteriormente já não abrem a porta.
{{/hasCodes}}
{{#hostContact}}

Dúvidas? {{hostContact}}
{{/hostContact}}
`,
  noCode: 'Não há código de acesso para estas datas',
  sameCode: 'o mesmo código de antes',
  codeHours: 'válido de {{from}} a {{until}}',
  codeLine: '{{unit}}: {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}): {{code}}',

  pageTitle: 'Check-in: {{property}}',
  pageTitleNoProperty: 'Check-in de hóspedes',
  confirmIntro: 'Confirme a sua reserva para ver a sua estadia e o seu código de acesso.',
  referenceLabel: 'Código da reserva',
  proofLabel: 'Apelido (sobrenome), ou os últimos 4 dígitos do seu telefone',
  showStay: 'Ver a minha estadia',
  welcome: 'Damos-lhe as boas-vindas, {{guestName}}.',
  unitLabel: 'Alojamento',
  checkInLabel: 'Entrada',
  checkOutLabel: 'Saída',
  timesLocal: 'As horas indicadas são as locais do alojamento ({{timeZone}}).',
  yourCode: 'O seu código de acesso',
  notReadyOn: 'O seu código ainda não está pronto. Vai aparecer aqui a partir de {{when}}.',
  notReadyBeforeCheckIn: 'O seu código ainda não está pronto. Vai aparecer aqui antes da sua chegada.',
  onHold: 'O seu código está em espera. Por favor, contacte o seu anfitrião.',
  codeOnItsWay: 'O seu novo código está a ser enviado para a fechadura. Volte a verificar dentro de alguns minutos.',
  codeWasSent: 'O seu código já lhe foi enviado; se o perdeu, peça ao seu anfitrião que o redefina.',
  signOut: 'Terminar sessão',
  bookingChanged: 'O seu anfitrião alterou a sua reserva ou redefiniu o seu código de acesso. Confirme novamente a sua reserva para ver o seu código.',
  stayEnded: 'Esta estadia já não está em curso. Confirme novamente a sua reserva.',
  pageExpired: 'Esta página tinha expirado. Tente novamente.',
  fieldsMissing: 'Introduza o código da reserva e o seu apelido (ou os últimos 4 dígitos do seu telefone).',
  nameTooShort: 'Um apelido com uma só letra não basta para confirmar uma reserva. Introduza antes os últimos 4 dígitos do seu telefone.',
  notFound: 'Não encontrámos nenhuma reserva em curso com estes dados. Verifique o código da reserva na sua confirmação e tente novamente.',
  unavailable: 'A página de check-in não consegue mostrar reservas neste momento. Por favor, contacte o seu anfitrião.',
  lockedOutOneMinute:
    'Demasiadas tentativas. Pela segurança de todos os hóspedes, esta página fica bloqueada para si durante 1 minuto. Tente mais tarde ou contacte o seu anfitrião.',
  lockedOutMinutes:
    'Demasiadas tentativas. Pela segurança de todos os hóspedes, esta página fica bloqueada para si durante {{minutes}} minutos. Tente mais tarde ou contacte o seu anfitrião.',
  somethingWrong: 'Algo correu mal. Tente novamente ou contacte o seu anfitrião.',
};
