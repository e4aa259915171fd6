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
};

export function labels(lang: string | undefined): Labels {
	return lang?.toLowerCase().startsWith("fr") ? fr : en;
}
