/** Finding accounts and the rules about them that several operations share. */
import type { components } from "../../generated/flexiti-pos-api.ts";
import { type Refusal, refuse } from "./operation.ts";
import type { Account, World } from "./world.ts";

/** Path parameters are strings, bodies carry numbers: both name the same account. */
export function findAccount(world: World, accountNumber: string | number | undefined): Account | undefined {
	return accountNumber === undefined ? undefined : world.accounts[String(accountNumber)];
}

/** Only status N (Normal) allows authorizations and purchases. */
export function purchaseRefusal(account: Account): Refusal | undefined {
	if (account.status === "N") return undefined;
	return refuse("user_not_able_to_purchase");
}

/** An authorized user's card must belong to the account it is presented with. */
export function vccMatches(account: Account, vccNumber: string | undefined): boolean {
	return vccNumber === undefined || vccNumber === account.vcc_number;
}

/** Preferred (L, M), Premium (H, X) or Standard (Y, Z) by risk rating, as calculate-interest reports it. */
export function categoryType(account: Account): "preferred" | "premium" | "standard" {
	if (["L", "M"].includes(account.risk_rating)) return "preferred";
	if (["H", "X"].includes(account.risk_rating)) return "premium";
	return "standard";
}

/** Regular purchases in the last 24 hours, for the `regular_purchase_bypass` rule (at most 3, and ≤ $200). */
export function regularPurchasesLastDay(world: World, account: Account, now: number): number {
	const since = now - 24 * 60 * 60 * 1000;
	return Object.values(world.authorizations).filter(
		(a) =>
			a.account_number === account.account_number &&
			a.transaction_type === "regular_purchase" &&
			Date.parse(a.creation_date) >= since,
	).length;
}

export function toCustomerAccount(world: World, account: Account): components["schemas"]["CustomerAccount"] {
	return {
		customer_id: account.customer_id,
		account_number: Number(account.account_number),
		account_type: account.account_type,
		account_status: account.status,
		account_status_reason_code: account.status_reason as components["schemas"]["AccountStatusReasonCode"],
		tos_agreement: account.tos_agreement,
		risk_rating: account.risk_rating as components["schemas"]["RiskRating"],
		credit_limit: account.credit_limit.toFixed(2),
		available_credit: account.available_credit.toFixed(2),
		originating_merchant_id: account.originating_client_id,
		originating_merchant_name: world.clients[account.originating_client_id]?.merchant_name ?? "",
		creation_date: account.creation_date,
		first_name: account.first_name,
		last_name: account.last_name,
		card_ending_in: account.vcc_number.slice(-4),
		preferred_language: account.preferred_language,
	};
}
