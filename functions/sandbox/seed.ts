import type { Account, Plan, SandboxClient, World } from "./world.ts";

/**
 * The sandbox's seeded world. The default client is the one in Flexiti's docs (`flexitidemo` and
 * the seed page's example secret); a second client exists for multi-merchant tests.
 * These credentials are public examples, not secrets.
 */
export const sandboxClients: SandboxClient[] = [
	{
		client_id: "flexitidemo",
		client_secret: "77xde15a-9d33-4c15-930a-3se4b3as33e9",
		merchant_name: "Flexiti Demo Store",
		pre_authorization: true,
		merchant_override: false,
	},
	{
		client_id: "flexitidemo2",
		client_secret: "2b7c8e21-4f0a-4d6b-9c3e-5a1d2f3e4b5c",
		merchant_name: "Second Demo Merchant",
		pre_authorization: true,
		merchant_override: true,
	},
];

/** Security questions by id, as Flexiti's i18n `security_ids` lists them. */
export const securityQuestions: Record<number, string> = {
	4: "What is the name of your favourite childhood friend?",
	5: "What is the country of your ultimate dream vacation?",
	6: "What was the first concert you attended?",
	7: "What is the name of the street you grew up on?",
	8: "What is the name of your first grade teacher?",
	9: "What is your favourite movie?",
};

/** The PIN that the sandbox "sends" by SMS or e-mail, and the widget's PIN, as in Flexiti's training environment. */
export const SANDBOX_PIN = 2222;

/** Plans by id, named as Flexiti's i18n `plan_ids` lists them (plan 4 as the calculate-interest example names it). */
const plans: Plan[] = [
	{
		plan_id: 1,
		plan_name: "90 Days Grace, Equal Payments, Regular Interest",
		offer_category: "equal_billing",
		terms: [12, 24, 36],
		rate: 0.2995,
	},
	{
		plan_id: 2,
		plan_name: "Equal Payments, Low Interest",
		offer_category: "equal_billing",
		terms: [12, 24],
		rate: 0.0999,
	},
	{ plan_id: 4, plan_name: "EMP - Regular Interest", offer_category: "equal_billing", terms: [3, 6, 12], rate: 0.2995 },
	{ plan_id: 5, plan_name: "Equal Payments, No Interest", offer_category: "equal_billing", terms: [6, 12], rate: 0 },
	{ plan_id: 7, plan_name: "No Interest, No Payments", offer_category: "deferred_payment", terms: [6, 12], rate: 0 },
];

function account(overrides: Partial<Account> & Pick<Account, "account_number" | "first_name" | "last_name">): Account {
	const n = overrides.account_number.slice(-2);
	return {
		customer_id: `10000${n}`,
		vcc_number: `55550000000000${n}`,
		status: "N",
		status_reason: "NNOR",
		account_type: "consumer",
		risk_rating: "L",
		credit_limit: 5000,
		available_credit: 5000,
		air: 0.2995,
		dob: "1985-04-12",
		address_1: "100 King St W",
		city: "Toronto",
		province: "ON",
		postal_code: "M5X1A9",
		phone_number: "4165550100",
		email: `customer${n}@example.com`,
		security_qid: 7,
		security_answer: "maple",
		preferred_language: "en-CA",
		payment_protection: false,
		tos_agreement: true,
		creation_date: "2024-01-15",
		originating_client_id: "flexitidemo",
		plan_ids: [1, 4, 5],
		wrong_answers: [],
		payments: [],
		...overrides,
	};
}

/**
 * Seeded accounts, each there to exercise a documented rule:
 *  …01 Jane Doe: normal (N), $5,000 available — the happy path.
 *  …02 Jean Tremblay: a Quebec (QC) account, French, closable.
 *  …03 Frozen Account: status F (user_not_active).
 *  …04 Late Payer: status A, authorizations prohibited (user_not_able_to_purchase).
 *  …05 Low Credit: $150 available (credit_exceeded); no valid mobile phone (sms_not_valid_phone).
 *  …06 Northern Supply Co.: a business account.
 */
export const seedAccounts: Account[] = [
	account({ account_number: "10000000000001", first_name: "Jane", last_name: "Doe" }),
	account({
		account_number: "10000000000002",
		first_name: "Jean",
		last_name: "Tremblay",
		dob: "1979-09-30",
		address_1: "1000 Rue Sherbrooke O",
		city: "Montréal",
		province: "QC",
		postal_code: "H3A3G4",
		preferred_language: "fr-CA",
		credit_limit: 3000,
		available_credit: 3000,
		security_qid: 5,
		security_answer: "portugal",
	}),
	account({
		account_number: "10000000000003",
		first_name: "Frozen",
		last_name: "Account",
		status: "F",
		status_reason: "FFRD",
	}),
	account({
		account_number: "10000000000004",
		first_name: "Late",
		last_name: "Payer",
		status: "A",
		status_reason: "AAUT",
		risk_rating: "Y",
	}),
	account({
		account_number: "10000000000005",
		first_name: "Low",
		last_name: "Credit",
		credit_limit: 500,
		available_credit: 150,
		phone_number: "0000000000",
		risk_rating: "Z",
		plan_ids: [4],
	}),
	account({
		account_number: "10000000000006",
		first_name: "Northern",
		last_name: "Supply Co",
		account_type: "business",
		credit_limit: 20000,
		available_credit: 20000,
		province: "AB",
		city: "Calgary",
		postal_code: "T2P1J9",
	}),
];

export function seedWorld(): World {
	return {
		clients: Object.fromEntries(sandboxClients.map((c) => [c.client_id, c])),
		accounts: Object.fromEntries(seedAccounts.map((a) => [a.account_number, structuredClone(a)])),
		plans: Object.fromEntries(plans.map((p) => [p.plan_id, p])),
		tokens: {},
		refreshTokens: {},
		widgetSessions: {},
		onlineSessions: {},
		onlineRedirects: {},
		verifications: {},
		authorizations: {},
		captures: {},
		idempotency: {},
		faults: [],
		calls: [],
		counts: {},
		settings: { token_ttl_seconds: 1200, clock_offset_ms: 0 },
		sequence: 1000,
	};
}
