/** In-store customer operations: find a customer, show what they can buy with, verify them. */
import type { components } from "../../../generated/flexiti-pos-api.ts";
import { cents, dollars } from "../../contract/money.ts";
import { categoryType, findAccount, regularPurchasesLastDay, toCustomerAccount, vccMatches } from "../accounts.ts";
import { type OperationHandlers, ok, refuse, wrongInput } from "../operation.ts";
import { SANDBOX_PIN, securityQuestions } from "../seed.ts";
import type { Account, Plan, World } from "../world.ts";

type Schemas = components["schemas"];

const sameText = (a: string, b: string) => a.localeCompare(b, "en", { sensitivity: "base" }) === 0;

export const customerOperations: Pick<
	OperationHandlers,
	"searchCustomers" | "lookupCustomer" | "verifyAccount" | "calculateInterest" | "closeAccount"
> = {
	searchCustomers({ world, query }) {
		const { first_name, last_name, dob, postal_code } = query as Record<string, string | undefined>;
		const matches = Object.values(world.accounts).filter(
			(a) =>
				sameText(a.first_name, first_name ?? "") &&
				sameText(a.last_name, last_name ?? "") &&
				a.dob === dob &&
				(postal_code === undefined || sameText(a.postal_code, postal_code)),
		);
		if (matches.length === 0) return refuse("not_found", 404);
		return ok(matches.map((a) => toCustomerAccount(world, a)));
	},

	lookupCustomer({ world, query }) {
		const given = (["vcc_number", "account_number", "customer_id"] as const).filter((k) => query[k] !== undefined);
		// OpenAPI cannot say "exactly one of these query parameters"; Flexiti requires it.
		if (given.length !== 1)
			return wrongInput("account_number", "exactly one of vcc_number, account_number, customer_id");
		const value = String(query[given[0] as string]);
		const account = Object.values(world.accounts).find(
			(a) =>
				(given[0] === "vcc_number"
					? a.vcc_number
					: given[0] === "account_number"
						? a.account_number
						: a.customer_id) === value,
		);
		if (!account) return refuse("not_found", 404);
		if (["F", "Z", "C"].includes(account.status)) return refuse("user_not_active");
		if (account.status === "A") return refuse("user_not_able_to_purchase");
		return ok(toLookup(world, account));
	},

	verifyAccount({ world, path, body, clientId, now }) {
		const account = findAccount(world, path.account_number);
		if (!account || !vccMatches(account, body.vcc_number)) return refuse("not_found", 404);
		const client = world.clients[clientId];
		const issue = (code: number) => {
			const requestId = body.request_id ?? crypto.randomUUID();
			world.verifications[`${clientId} ${requestId}`] = {
				request_id: requestId,
				client_id: clientId,
				account_number: account.account_number,
				verification_code: code,
				used: false,
				created_at: now,
			};
		};

		switch (body.format) {
			case "sms":
				if (!/^[2-9]\d{9}$/.test(account.phone_number)) return refuse("sms_not_valid_phone", 400);
				issue(SANDBOX_PIN);
				return ok({ verification_code: "verification_sent_to_sms" });
			case "email":
				issue(SANDBOX_PIN);
				return ok({ verification_code: "verification_sent_to_email" });
			case "security_question": {
				const windowStart = now - 48 * 60 * 60 * 1000;
				account.wrong_answers = account.wrong_answers.filter((at) => at >= windowStart);
				if (account.wrong_answers.length >= 3) return refuse("tries_exceed");
				if (body.security_qid !== account.security_qid) return refuse("piw_mismatch");
				if (!sameText((body.security_answer ?? "").trim(), account.security_answer)) {
					account.wrong_answers.push(now);
					return refuse("secret_answer_mismatch");
				}
				return ok({ verification_code: issuePin(issue) });
			}
			case "regular_purchase_bypass":
				if (regularPurchasesLastDay(world, account, now) > 3) return refuse("regular_purchase_bypass_is_not_allowed");
				return ok({ verification_code: issuePin(issue) });
			case "merchant_override":
				if (!client?.merchant_override) return refuse("merchant_override_is_not_allowed");
				return ok({ verification_code: issuePin(issue) });
		}
	},

	calculateInterest({ world, path, body, now }) {
		const account = findAccount(world, path.account_number);
		if (!account) return refuse("not_found", 404);
		const amount = body.amount;
		return ok({
			account_number: Number(account.account_number),
			account_type: account.account_type,
			amount,
			customer: {
				available_credit: account.available_credit,
				air: account.air,
				first_name: account.first_name,
				last_name: account.last_name,
				category_type: categoryType(account),
			},
			regular_purchase: {
				// A revolving purchase's minimum monthly payment: 3 % of the amount, at least $10.
				term_amount: dollars(Math.max(1000, Math.round(cents(amount) * 0.03))),
				air: account.air,
				verify: regularPurchasesLastDay(world, account, now) <= 3 && amount <= 200,
				fees: [],
			},
			promotional_purchase: plansOf(world, account).map((plan) => ({
				plan_id: plan.plan_id,
				plan_name: plan.plan_name,
				terms: plan.terms.map((term) => promotionalTerm(plan, term, amount)),
			})),
		});
	},

	closeAccount({ world, path }) {
		const account = findAccount(world, path.account_number);
		if (!account) return refuse("not_found", 404);
		// "This endpoint allows the closure of a QC account"
		if (account.province !== "QC") return refuse("general_error", 409, "Only Quebec (QC) accounts can be closed here");
		account.status = "C";
		account.status_reason = "FCQC";
		return ok({});
	},
};

/** A dynamic PIN handed back in the response (security question, bypass, override): six digits. */
function issuePin(issue: (code: number) => void): number {
	const pin = 100000 + ((crypto.getRandomValues(new Uint32Array(1))[0] as number) % 900000);
	issue(pin);
	return pin;
}

export function plansOf(world: World, account: Account): Plan[] {
	return account.plan_ids.map((id) => world.plans[id]).filter((p): p is Plan => p !== undefined);
}

/** Equal monthly payments of an amortized loan at the plan's rate (or amount ÷ term at 0 %). */
export function promotionalTerm(plan: Plan, term: number, amount: number): Schemas["PromotionalTerm"] {
	const monthly = plan.rate / 12;
	const principal = cents(amount);
	const payment = monthly === 0 ? principal / term : (principal * monthly) / (1 - (1 + monthly) ** -term);
	return {
		term,
		term_amount: dollars(Math.round(payment)),
		annual_rates: {
			description: plan.rate === 0 ? "No interest" : "Annual interest rate",
			rate: plan.rate,
			type: "fixed",
			message: `${(plan.rate * 100).toFixed(2)}% annual interest over ${term} months`,
		},
		fees: [],
	};
}

function toLookup(world: World, account: Account): Schemas["CustomerLookupResponse"] {
	return {
		account_number: Number(account.account_number),
		customer_id: account.customer_id,
		account_type: account.account_type,
		account_status: account.status,
		available_credit: account.available_credit,
		first_name: account.first_name,
		last_name: account.last_name,
		email: account.email,
		phone_number: account.phone_number,
		security_qid: { id: account.security_qid, text: securityQuestions[account.security_qid] ?? "" },
		address_1: account.address_1,
		...(account.address_2 ? { address_2: account.address_2 } : {}),
		city: account.city,
		postal_code: account.postal_code,
		province: account.province as Schemas["Province"],
		payment_protection: account.payment_protection,
		risk_rating: account.risk_rating as Schemas["RiskRating"],
		offer_types: plansOf(world, account).map((plan) => ({
			plan_id: plan.plan_id,
			plan_name: plan.plan_name,
			offer_category: plan.offer_category,
			term_options: plan.terms,
		})),
		card_ending_in: account.vcc_number.slice(-4),
		preferred_language: account.preferred_language,
	};
}
