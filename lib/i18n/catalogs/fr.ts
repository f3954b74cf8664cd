/** French, with "vous", and a space before a colon or a question mark as French typography wants. */
import type { Catalog } from './en';

export const fr: Catalog = {
  guestSubject: "{{#hasCodes}}Votre code d'accès pour {{place}}{{/hasCodes}}{{^hasCodes}}Votre séjour à {{place}}{{/hasCodes}}",
  guestBody: `Bonjour{{#guestName}} {{guestName}}{{/guestName}},

{{#hasCodes}}
{{#backup}}
Votre code n'a pas pu être enregistré à temps dans la serrure. Voici un code de secours pour {{place}}, valable jusqu'à votre départ :
{{/backup}}
{{^backup}}
{{#changed}}
Les détails de votre séjour ont changé. Votre code d'accès :
{{/changed}}
{{^changed}}
Voici votre code d'accès pour {{place}} :
{{/changed}}
{{/backup}}
{{codesText}}

Arrivée : {{checkIn}}
Départ : {{checkOut}}
{{#instructions}}

{{instructions}}
{{/instructions}}
{{/hasCodes}}
{{^hasCodes}}
{{codesText}} (du {{checkIn}} au {{checkOut}}). Tout code reçu auparavant n'ouvre plus la porte.
{{/hasCodes}}
{{#hostContact}}

Une question ? {{hostContact}}
{{/hostContact}}
`,
  noCode: "Aucun code d'accès pour ces dates",
  sameCode: "même code qu'avant",
  codeHours: 'valable du {{from}} au {{until}}',
  codeLine: '{{unit}} : {{code}}',
  codeLineLocks: '{{unit}} ({{locks}}) : {{code}}',

  pageTitle: 'Arrivée : {{property}}',
  pageTitleNoProperty: 'Arrivée des voyageurs',
  confirmIntro: "Confirmez votre réservation pour voir votre séjour et votre code d'accès.",
  referenceLabel: 'Code de réservation',
  proofLabel: 'Nom de famille, ou les 4 derniers chiffres de votre téléphone',
  showStay: 'Voir mon séjour',
  welcome: 'Bienvenue, {{guestName}}.',
  unitLabel: 'Logement',
  checkInLabel: 'Arrivée',
  checkOutLabel: 'Départ',
  timesLocal: 'Les heures indiquées sont celles du logement ({{timeZone}}).',
  yourCode: "Votre code d'accès",
  notReadyOn: "Votre code n'est pas encore prêt. Il apparaîtra ici le {{when}}.",
  notReadyBeforeCheckIn: "Votre code n'est pas encore prêt. Il apparaîtra ici avant votre arrivée.",
  onHold: 'Votre code est en attente. Merci de contacter votre hôte.',
  codeOnItsWay: "Votre nouveau code est en cours d'envoi vers la serrure. Revenez dans quelques minutes.",
  codeWasSent: "Votre code vous a déjà été envoyé ; si vous l'avez perdu, demandez à votre hôte de le réinitialiser.",
  signOut: 'Se déconnecter',
  bookingChanged: "Votre hôte a modifié votre réservation ou réinitialisé votre code d'accès. Merci de confirmer à nouveau votre réservation pour voir votre code.",
  stayEnded: "Ce séjour n'est plus en cours. Merci de confirmer à nouveau votre réservation.",
  pageExpired: 'Cette page avait expiré. Merci de réessayer.',
  fieldsMissing: 'Saisissez votre code de réservation et votre nom de famille (ou les 4 derniers chiffres de votre téléphone).',
  nameTooShort: "Un nom de famille d'une seule lettre ne suffit pas pour confirmer une réservation. Saisissez plutôt les 4 derniers chiffres de votre téléphone.",
  notFound: "Nous n'avons trouvé aucune réservation en cours avec ces informations. Vérifiez le code de réservation dans votre confirmation et réessayez.",
  unavailable: "La page d'arrivée ne peut pas afficher les réservations pour le moment. Merci de contacter votre hôte.",
  lockedOutOneMinute:
    'Trop de tentatives. Pour la sécurité de tous les voyageurs, cette page vous est bloquée pendant 1 minute. Réessayez plus tard ou contactez votre hôte.',
  lockedOutMinutes:
    'Trop de tentatives. Pour la sécurité de tous les voyageurs, cette page vous est bloquée pendant {{minutes}} minutes. Réessayez plus tard ou contactez votre hôte.',
  somethingWrong: "Une erreur s'est produite. Merci de réessayer ou de contacter votre hôte.",
};
