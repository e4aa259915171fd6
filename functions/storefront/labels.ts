/** The words the SDK shows, in the checkout's language (Flexiti serves English and French). */

export type Lang = "en" | "fr";

const en = {
	pay: "Pay with Flexiti",
	apply: "Apply for Flexiti financing",
	dialog: "Flexiti financing",
	close: "Close",
	widget: "Flexiti verification",
	choosePlan: "Choose how to pay",
	confirm: "Confirm purchase",
	working: "Processing…",
	still: "Still working: Flexiti is confirming your purchase. Please stay on this page.",
	months: "months",
	perMonth: "/month",
	revolving: "Regular purchase (revolving credit)",
	account: "Flexiti account or card number",
	invalidAccount: "Enter your 14-digit Flexiti account number or your 16-digit card number.",
	/** What the element shows for an error, by its code (FlexitiEdgeError.message is for developers). */
	errors: {
		not_verified: "Flexiti could not verify your identity. Please try again.",
		declined: "Flexiti did not approve this purchase.",
		pending: "Your application is under review: Flexiti will contact you.",
		expired: "This checkout has expired. Please reload the page.",
		network: "Flexiti could not be reached. Check your connection and try again.",
		credit_exceeded: "This purchase is more than the credit available on your Flexiti account.",
		customer_already_exists: "You already have a Flexiti account: pay with your account number instead.",
		not_permitted: "This order can no longer be paid this way (it may be paid already). Please reload the page.",
		checkout_authorized: "This order is paid already.",
		rate_limited: "Too many attempts. Please wait a minute and try again.",
	} as Record<string, string>,
	failed: "Flexiti could not complete the payment. Please try again.",
};

export type Labels = typeof en;

const fr: Labels = {
	pay: "Payer avec Flexiti",
	apply: "Demander un financement Flexiti",
	dialog: "Financement Flexiti",
	close: "Fermer",
	widget: "Vérification Flexiti",
	choosePlan: "Choisissez comment payer",
	confirm: "Confirmer l'achat",
	working: "Traitement…",
	still: "Traitement en cours : Flexiti confirme votre achat. Veuillez rester sur cette page.",
	months: "mois",
	perMonth: "/mois",
	revolving: "Achat régulier (crédit renouvelable)",
	account: "Numéro de compte ou de carte Flexiti",
	invalidAccount: "Entrez votre numéro de compte Flexiti à 14 chiffres ou votre numéro de carte à 16 chiffres.",
	errors: {
		not_verified: "Flexiti n'a pas pu vérifier votre identité. Veuillez réessayer.",
		declined: "Flexiti n'a pas approuvé cet achat.",
		pending: "Votre demande est en cours d'examen : Flexiti communiquera avec vous.",
		expired: "Ce paiement a expiré. Veuillez recharger la page.",
		network: "Flexiti est injoignable. Vérifiez votre connexion et réessayez.",
		credit_exceeded: "Cet achat dépasse le crédit disponible de votre compte Flexiti.",
		customer_already_exists: "Vous avez déjà un compte Flexiti : payez plutôt avec votre numéro de compte.",
		not_permitted:
			"Cette commande ne peut plus être payée ainsi (elle l'est peut-être déjà). Veuillez recharger la page.",
		checkout_authorized: "Cette commande est déjà payée.",
		rate_limited: "Trop de tentatives. Veuillez patienter une minute et réessayer.",
	},
	failed: "Flexiti n'a pas pu effectuer le paiement. Veuillez réessayer.",
};

/** Flexiti's other codes for the same refusal, said as the code they mean. */
const sameAs: Record<string, string> = {
	not_enough_credit: "credit_exceeded",
	user_not_able_to_purchase: "declined",
	auth_not_allowed: "declined",
};

/** What the shopper reads for an error code: its own words, else the general failure. */
export function errorText(text: Labels, code: string): string {
	return text.errors[sameAs[code] ?? code] ?? text.failed;
}

export function labels(lang: string | undefined): Labels {
	return lang?.toLowerCase().startsWith("fr") ? fr : en;
}
