/**
 * The stateless operations: i18n dictionaries, the terms and conditions, and the driver's licence
 * decoder. None of them reads or changes the world.
 */
import type { components, operations } from "../../../generated/flexiti-pos-api.ts";
import { type AamvaFailure, type AamvaLicence, canadianIssuerOf, parseAamvaLicence, titleCase } from "../aamva.ts";
import { type I18nResponse, i18nDictionary, type Lang } from "../data/i18n.ts";
import type { OperationHandlers } from "../operation.ts";
import { ok, refuse } from "../operation.ts";

type I18nKey = NonNullable<NonNullable<operations["getI18n"]["parameters"]["query"]>["key"]>;
type DriversLicence = components["schemas"]["DriversLicenseResponse"];
type Province = components["schemas"]["Province"];

/**
 * The `key` filter names one entry in the singular while the response names it in the plural
 * (the seed page lists both): salutation → salutations, security_id → security_ids, govid_type →
 * govid_types, govid_issued_by → govid_issued_bys, occupation → occupation_ids, transaction_type →
 * transaction_types, plan_id → plan_ids. The other keys are the entry's own name.
 */
const I18N_ENTRY_OF_KEY: Record<I18nKey, keyof I18nResponse> = {
	salutation: "salutations",
	provinces: "provinces",
	security_id: "security_ids",
	govid_type: "govid_types",
	govid_issued_by: "govid_issued_bys",
	occupation: "occupation_ids",
	transaction_type: "transaction_types",
	plan_id: "plan_ids",
	qcpa_disclosure: "qcpa_disclosure",
	insurance: "insurance",
	insurance_tc: "insurance_tc",
	annual_fees: "annual_fees",
	housing_type: "housing_type",
};

/** All entries, or only the one `key` names. */
export function i18nEntries(lang: Lang, key: I18nKey | undefined): I18nResponse {
	const all = i18nDictionary(lang);
	if (key === undefined) return all;
	const entry = I18N_ENTRY_OF_KEY[key];
	return { [entry]: all[entry] };
}

export const TERMS_VERSION = "2025.1-sandbox";

/** A summary in the shape of a cardholder agreement; sandbox wording, the real text is not public. */
const TERMS: Record<Lang, string> = {
	en: [
		"FlexitiCard Cardholder Agreement - Summary (sandbox)",
		"1. Credit: Flexiti Financial Inc. grants you a revolving line of credit up to the limit shown in your welcome letter. Purchases are financed on the plan chosen at checkout (for example equal payments or no interest, no payments).",
		"2. Interest: interest accrues on regular purchases at the annual rate in your disclosure statement. On promotional purchases, interest is charged or waived as the plan provides; if a deferred plan is not paid in full by its end date, accrued interest may be charged.",
		"3. Payments: you must pay at least the minimum payment shown on each monthly statement by its due date. A missed payment may end promotional terms.",
		"4. Fees: annual, late payment and returned payment fees may apply, as disclosed in your disclosure statement.",
		"5. Use of the card: only you and your authorized users may use the account. Report a lost or stolen card without delay.",
		"6. Privacy: you consent to Flexiti obtaining credit reports and sharing information with the merchant to open and service your account.",
		"7. Changes and cancellation: Flexiti may amend this agreement with notice as required by law. You may close your account at any time by paying the balance in full.",
	].join("\n\n"),
	fr: [
		"Contrat du titulaire de la FlexitiCard - Résumé (bac à sable)",
		"1. Crédit : Services financiers Flexiti inc. vous accorde une marge de crédit renouvelable jusqu'à la limite indiquée dans votre lettre de bienvenue. Les achats sont financés selon le plan choisi au moment du paiement (par exemple versements égaux ou sans intérêt, sans paiement).",
		"2. Intérêt : l'intérêt court sur les achats réguliers au taux annuel indiqué dans votre déclaration. Sur les achats promotionnels, l'intérêt est exigé ou non selon le plan; si un plan différé n'est pas payé en entier à son échéance, l'intérêt accumulé peut être exigé.",
		"3. Paiements : vous devez payer au moins le paiement minimum indiqué sur chaque relevé mensuel au plus tard à la date d'échéance. Un paiement manqué peut mettre fin aux conditions promotionnelles.",
		"4. Frais : des frais annuels, de retard et de paiement refusé peuvent s'appliquer, comme l'indique votre déclaration.",
		"5. Utilisation de la carte : seuls vous et vos utilisateurs autorisés pouvez utiliser le compte. Signalez sans délai une carte perdue ou volée.",
		"6. Renseignements personnels : vous consentez à ce que Flexiti obtienne des rapports de crédit et échange des renseignements avec le marchand pour ouvrir et gérer votre compte.",
		"7. Modifications et résiliation : Flexiti peut modifier ce contrat avec le préavis exigé par la loi. Vous pouvez fermer votre compte en tout temps en payant le solde en entier.",
	].join("\n\n"),
};

const PROVINCES: readonly string[] = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"];

function asProvince(code: string | null): Province | undefined {
	return code !== null && PROVINCES.includes(code) ? (code as Province) : undefined;
}

/** Why a barcode was refused, in the caller's language (the error code is always `wrong_inputs`). */
const UNREADABLE: Record<AamvaFailure | "not_canadian", Record<Lang, string>> = {
	not_aamva: {
		en: "The code is not an AAMVA driver's licence barcode",
		fr: "Le code n'est pas un code-barres de permis de conduire AAMVA",
	},
	no_dl_subfile: {
		en: "The barcode holds no driver's licence data",
		fr: "Le code-barres ne contient aucune donnée de permis de conduire",
	},
	missing_name: {
		en: "The barcode holds no name",
		fr: "Le code-barres ne contient aucun nom",
	},
	missing_date_of_birth: {
		en: "The barcode holds no date of birth",
		fr: "Le code-barres ne contient aucune date de naissance",
	},
	bad_date: {
		en: "The barcode holds a date that cannot be read",
		fr: "Le code-barres contient une date illisible",
	},
	not_canadian: {
		en: "Only Canadian driver's licences are accepted",
		fr: "Seuls les permis de conduire canadiens sont acceptés",
	},
};

/** The decoded licence as Flexiti's application form wants it; absent fields stay undefined, so JSON leaves them out. */
export function toDriversLicence(licence: AamvaLicence, issuer: Province): DriversLicence {
	const optional = (value: string | null | undefined, format: (text: string) => string = (text) => text) =>
		value ? format(value) : undefined;
	return {
		first_name: titleCase(licence.firstName),
		middle_name: optional(licence.middleName, titleCase),
		last_name: titleCase(licence.lastName),
		dob: licence.dateOfBirth,
		address_1: optional(licence.street, titleCase),
		city: optional(licence.city, titleCase),
		province: asProvince(licence.jurisdiction),
		postal_code: optional(licence.postalCode),
		govid_type: "CADL",
		govid_issuedby: issuer,
		govid_number: optional(licence.licenceNumber),
		govid_expiry: optional(licence.expiryDate),
	};
}

export const referenceDataOperations: Pick<
	OperationHandlers,
	"getI18n" | "getTermsAndConditions" | "decodeDriversLicense"
> = {
	getI18n: (call) => ok(i18nEntries(call.lang, call.query.key as I18nKey | undefined)),

	// The spec declares no `lang` here; the pipeline still reads `?lang=` into call.lang, which is
	// what a client asking for the French agreement would send.
	getTermsAndConditions: (call) => ok({ terms_and_conditions: TERMS[call.lang], version: TERMS_VERSION }),

	decodeDriversLicense: (call) => {
		const parsed = parseAamvaLicence(call.body.code);
		if (!parsed.ok) return refuse("wrong_inputs", 409, UNREADABLE[parsed.reason][call.lang]);
		// Flexiti's CADL issuers are the provinces and territories only, so a US licence cannot be used.
		// An IIN missing from our list still counts when the card itself says it is Canadian.
		const { iin, country, jurisdiction } = parsed.licence;
		const issuer = asProvince(canadianIssuerOf(iin) ?? (country === "CAN" ? jurisdiction : null));
		if (!issuer) return refuse("wrong_inputs", 409, UNREADABLE.not_canadian[call.lang]);
		return ok(toDriversLicence(parsed.licence, issuer));
	},
};
