import { WRONG_INPUTS_MESSAGE } from "../contract/errors.ts";

/** Flexiti's `message` texts follow `lang`. The sandbox says them in English and French. */
const messages: Record<string, { en: string; fr: string }> = {
	invalid_token: {
		en: "The access token provided is invalid or has expired",
		fr: "Le jeton d'accès fourni est invalide ou expiré",
	},
	insufficient_scope: {
		en: "Insufficient scope: authorized scope is insufficient",
		fr: "Portée insuffisante : la portée autorisée est insuffisante",
	},
	not_found: { en: "Not found", fr: "Introuvable" },
	wrong_inputs: { en: WRONG_INPUTS_MESSAGE, fr: "Certaines données sont erronées ou manquantes!" },
	general_error: { en: "An error has occurred", fr: "Une erreur est survenue" },
	auth_amount_exceeded: {
		en: "The amount exceeds the remaining authorization amount",
		fr: "Le montant dépasse le montant d'autorisation restant",
	},
	capture_amount_exceeded: {
		en: "The amount exceeds the remaining capture amount",
		fr: "Le montant dépasse le montant de capture restant",
	},
	authorization_ended: { en: "The authorization has a closed status", fr: "L'autorisation est fermée" },
	credit_exceeded: {
		en: "The amount plus interest exceeds the available credit",
		fr: "Le montant plus les intérêts dépasse le crédit disponible",
	},
	refunds_limit_exceeded_amount: {
		en: "The refund exceeds the captured amount not yet refunded",
		fr: "Le remboursement dépasse le montant capturé non encore remboursé",
	},
	return_date_exceeded: {
		en: "Returns are only allowed within 100 days of the capture",
		fr: "Les retours ne sont permis que dans les 100 jours suivant la capture",
	},
	wrong_transaction_type: {
		en: "Only promotional purchases can be returned",
		fr: "Seuls les achats promotionnels peuvent être retournés",
	},
	not_verified: {
		en: "The customer was not verified for this request",
		fr: "Le client n'a pas été vérifié pour cette demande",
	},
	customer_identity_not_found: {
		en: "The customer did not pass through the widget",
		fr: "Le client n'est pas passé par le widget",
	},
	user_not_active: { en: "The account is not active", fr: "Le compte n'est pas actif" },
	user_not_able_to_purchase: {
		en: "The account cannot make purchases",
		fr: "Le compte ne peut pas effectuer d'achats",
	},
	rate_limited: { en: "Too many requests", fr: "Trop de requêtes" },
	service_unavailable: { en: "Service unavailable", fr: "Service indisponible" },
	internal_error: { en: "Flexiti error", fr: "Erreur Flexiti" },
};

export function messageFor(error: string, lang: "en" | "fr"): string {
	return messages[error]?.[lang] ?? error.replaceAll("_", " ");
}
