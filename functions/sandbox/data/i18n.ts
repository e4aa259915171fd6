/**
 * What the sandbox's `GET /i18n` answers, in English and French. The English entries are the seed
 * page's example (FDP:9404505); its `plan_ids` are the spec's reconstruction of that interleaved
 * diff. The four texts the page elides ("...") are sandbox wording, not Flexiti's.
 */
import type { components } from "../../../generated/flexiti-pos-api.ts";

export type I18nResponse = components["schemas"]["I18nResponse"];
export type Lang = "en" | "fr";
type Labels = Record<string, string>;

const provinces: Record<Lang, Labels> = {
	en: {
		AB: "Alberta",
		BC: "British Columbia",
		MB: "Manitoba",
		NB: "New Brunswick",
		NL: "Newfoundland & Labrador",
		NS: "Nova Scotia",
		NT: "Northwest Territories",
		NU: "Nunavut",
		ON: "Ontario",
		PE: "Prince Edward Island",
		QC: "Quebec",
		SK: "Saskatchewan",
		YT: "Yukon Territory",
	},
	fr: {
		AB: "Alberta",
		BC: "Colombie-Britannique",
		MB: "Manitoba",
		NB: "Nouveau-Brunswick",
		NL: "Terre-Neuve-et-Labrador",
		NS: "Nouvelle-Écosse",
		NT: "Territoires du Nord-Ouest",
		NU: "Nunavut",
		ON: "Ontario",
		PE: "Île-du-Prince-Édouard",
		QC: "Québec",
		SK: "Saskatchewan",
		YT: "Territoire du Yukon",
	},
};

const canada: Record<Lang, Labels> = { en: { CANADA: "Canada" }, fr: { CANADA: "Canada" } };

/**
 * Which issuers each government ID type accepts, as codes: the labels come from `provinces`, so
 * the two languages cannot list different issuers.
 */
const issuersByIdType: Record<string, readonly string[]> = {
	CADL: Object.keys(provinces.en),
	CAHC: ["BC", "NB", "NL", "NT", "NU", "QC", "SK", "YT"],
	CAPID: ["ON"],
	CAP: ["CANADA"],
	CAPRC: ["CANADA"],
	CAICBC: ["BC"],
	CAAR: ["AB"],
	CASGI: ["SK"],
	CADSNS: ["NS"],
	CADPPEI: ["PE"],
	CASNB: ["NB"],
	CADGSNF: ["NL"],
	CADTNW: ["NT"],
	CADCTN: ["NU"],
	CACSC: ["CANADA"],
	CAGCEC: ["CANADA"],
	CALCB: Object.keys(provinces.en),
	CACFL: ["CANADA"],
	CACFID: ["CANADA"],
	CAMPIC: ["MB"],
	CACAID: ["CANADA"],
};

function issuedBys(lang: Lang): NonNullable<I18nResponse["govid_issued_bys"]> {
	const labels: Labels = { ...provinces[lang], ...canada[lang] };
	const optionDepends = Object.fromEntries(
		Object.entries(issuersByIdType).map(([idType, codes]) => [
			idType,
			Object.fromEntries(codes.map((code) => [code, labels[code] ?? code])),
		]),
	);
	return { option_depends: optionDepends };
}

const en: Required<Omit<I18nResponse, "provinces" | "govid_issued_bys">> = {
	salutations: { mr: "Mr.", ms: "Ms.", mrs: "Mrs.", mss: "Miss." },
	security_ids: {
		"4": "What is the name of your favourite childhood friend?",
		"5": "What is the country of your ultimate dream vacation?",
		"6": "What was the first concert you attended?",
		"7": "What is the name of the street you grew up on?",
		"8": "What is the name of your first grade teacher?",
		"9": "What is your favourite movie?",
	},
	govid_types: {
		CADL: "Driver's Licence",
		CAHC: "Health Card",
		CAPID: "Provincial ID Card",
		CAP: "Passport",
		CAPRC: "Permanent Resident Card",
		CAICBC: "Insurance Corporation of British Columbia",
		CAAR: "Alberta Registries",
		CASGI: "Saskatchewan Government Insurance",
		CADSNS: "Department of Service Nova Scotia and Municipal Relations",
		CADPPEI: "Department of Transportation and Public Works of the Province of Prince Edward Island",
		CASNB: "Service New Brunswick",
		CADGSNF: "Department of Government Services and Lands of the Province of Newfoundland and Labrador",
		CADTNW: "Department of Transportation of the Northwest Territories",
		CADCTN: "Department of Community Government and Transportation of the Territory of Nunavut",
		CACSC: "Correctional Service Canada identification card (with the individual's name and photograph)",
		CAGCEC: "Government of Canada employee identity card (with the individual's name and photograph)",
		CALCB: "Liquor Control Board Age of Majority (BYID) card",
		CACFL: "Canadian Firearms licence",
		CACFID: "Canadian Forces identification card",
		CAMPIC: "MPIC card issued by the Manitoba Public Insurance Corporation",
		CACAID: "NEXUS or CANPASS Air membership card (issued by Canada Border Services Agency)",
	},
	occupation_ids: {
		options: {
			FE: "Full-time Employment",
			PE: "Part-time Employment",
			SE: "Self-Employed",
			RT: "Retired",
			ST: "Student",
			HM: "Homemaker",
			DS: "Disability",
			SW: "Seasonal Worker",
			UE: "Unemployed with income",
			UW: "Unemployed without income",
			OT: "Other",
		},
	},
	transaction_types: { promotional_purchase: "Financed Purchase", regular_purchase: "Revolving Purchase" },
	plan_ids: {
		"1": "90 Days Grace, Equal Payments, Regular Interest",
		"2": "Equal Payments, Low Interest",
		"4": "Equal Payments, Regular Interest",
		"5": "Equal Payments, No Interest",
		"6": "No Interest, No Payments (S.A.C.)",
		"7": "No Interest, No Payments",
		"9": "No Interest, Minimum monthly payments",
	},
	qcpa_disclosure:
		"Quebec residents: this credit contract is governed by the Consumer Protection Act (Quebec). You may " +
		"cancel it, at no cost, within two days after you receive a copy of it, by returning the card or by " +
		"sending a written notice. Contact the Office de la protection du consommateur for any question about your rights.",
	insurance:
		"Optional FlexitiCard Balance Protection insurance can pay your minimum monthly payment if you lose your " +
		"job or become disabled, and your outstanding balance in the event of death. Enrolment is not required to " +
		"obtain credit.",
	insurance_tc:
		"Balance Protection insurance is optional and can be cancelled at any time. The monthly premium is charged " +
		"to your account and calculated on your statement balance. Eligibility conditions, limitations and exclusions " +
		"apply; see the certificate of insurance for details.",
	annual_fees:
		"An annual fee may apply to your FlexitiCard account. Any annual fee is disclosed in your cardholder agreement " +
		"and charged to your account once a year on the anniversary of its opening.",
	housing_type: { Rent: "Rent", Owned: "Owned", Relatives: "Lives with Relatives", Other: "Other" },
};

const fr: typeof en = {
	salutations: { mr: "M.", ms: "Mme", mrs: "Mme", mss: "Mlle" },
	security_ids: {
		"4": "Quel est le nom de votre ami d'enfance préféré?",
		"5": "Quel est le pays de vos vacances de rêve?",
		"6": "Quel est le premier concert auquel vous avez assisté?",
		"7": "Quel est le nom de la rue où vous avez grandi?",
		"8": "Quel est le nom de votre enseignant de première année?",
		"9": "Quel est votre film préféré?",
	},
	govid_types: {
		CADL: "Permis de conduire",
		CAHC: "Carte d'assurance maladie",
		CAPID: "Carte d'identité provinciale",
		CAP: "Passeport",
		CAPRC: "Carte de résident permanent",
		CAICBC: "Insurance Corporation of British Columbia",
		CAAR: "Alberta Registries",
		CASGI: "Saskatchewan Government Insurance",
		CADSNS: "Ministère de Service Nouvelle-Écosse et des Relations avec les municipalités",
		CADPPEI: "Ministère des Transports et des Travaux publics de la province de l'Île-du-Prince-Édouard",
		CASNB: "Service Nouveau-Brunswick",
		CADGSNF: "Ministère des Services gouvernementaux et des Terres de la province de Terre-Neuve-et-Labrador",
		CADTNW: "Ministère des Transports des Territoires du Nord-Ouest",
		CADCTN: "Ministère des Services communautaires et gouvernementaux et des Transports du territoire du Nunavut",
		CACSC: "Carte d'identité du Service correctionnel du Canada (avec le nom et la photo de la personne)",
		CAGCEC: "Carte d'identité d'employé du gouvernement du Canada (avec le nom et la photo de la personne)",
		CALCB: "Carte d'âge de la majorité de la régie des alcools (BYID)",
		CACFL: "Permis d'armes à feu canadien",
		CACFID: "Carte d'identité des Forces canadiennes",
		CAMPIC: "Carte MPIC délivrée par la Société d'assurance publique du Manitoba",
		CACAID: "Carte de membre NEXUS ou CANPASS Air (délivrée par l'Agence des services frontaliers du Canada)",
	},
	occupation_ids: {
		options: {
			FE: "Emploi à temps plein",
			PE: "Emploi à temps partiel",
			SE: "Travailleur autonome",
			RT: "Retraité",
			ST: "Étudiant",
			HM: "Personne au foyer",
			DS: "Invalidité",
			SW: "Travailleur saisonnier",
			UE: "Sans emploi avec revenu",
			UW: "Sans emploi sans revenu",
			OT: "Autre",
		},
	},
	transaction_types: { promotional_purchase: "Achat financé", regular_purchase: "Achat renouvelable" },
	plan_ids: {
		"1": "Report de 90 jours, versements égaux, intérêt régulier",
		"2": "Versements égaux, faible intérêt",
		"4": "Versements égaux, intérêt régulier",
		"5": "Versements égaux, sans intérêt",
		"6": "Sans intérêt, sans paiement (comme comptant)",
		"7": "Sans intérêt, sans paiement",
		"9": "Sans intérêt, paiements mensuels minimums",
	},
	qcpa_disclosure:
		"Résidents du Québec : ce contrat de crédit est régi par la Loi sur la protection du consommateur (Québec). " +
		"Vous pouvez le résoudre, sans frais, dans les deux jours suivant la réception de votre copie, en retournant la " +
		"carte ou en envoyant un avis écrit. Pour toute question sur vos droits, communiquez avec l'Office de la " +
		"protection du consommateur.",
	insurance:
		"L'assurance facultative Protection du solde FlexitiCard peut acquitter votre paiement mensuel minimum si vous " +
		"perdez votre emploi ou devenez invalide, et votre solde impayé en cas de décès. L'adhésion n'est pas requise " +
		"pour obtenir du crédit.",
	insurance_tc:
		"L'assurance Protection du solde est facultative et peut être annulée en tout temps. La prime mensuelle est " +
		"portée à votre compte et calculée sur le solde de votre relevé. Des conditions d'admissibilité, limitations et " +
		"exclusions s'appliquent; consultez le certificat d'assurance pour les détails.",
	annual_fees:
		"Des frais annuels peuvent s'appliquer à votre compte FlexitiCard. Tous frais annuels sont indiqués dans votre " +
		"contrat de titulaire et portés à votre compte une fois par année, à la date anniversaire de son ouverture.",
	housing_type: { Rent: "Locataire", Owned: "Propriétaire", Relatives: "Vit chez des proches", Other: "Autre" },
};

/** Every i18n entry in one language, in the seed page's order. */
export function i18nDictionary(lang: Lang): Required<I18nResponse> {
	const texts = lang === "fr" ? fr : en;
	return {
		salutations: texts.salutations,
		provinces: provinces[lang],
		security_ids: texts.security_ids,
		govid_types: texts.govid_types,
		govid_issued_bys: issuedBys(lang),
		occupation_ids: texts.occupation_ids,
		transaction_types: texts.transaction_types,
		plan_ids: texts.plan_ids,
		qcpa_disclosure: texts.qcpa_disclosure,
		insurance: texts.insurance,
		insurance_tc: texts.insurance_tc,
		annual_fees: texts.annual_fees,
		housing_type: texts.housing_type,
	};
}
