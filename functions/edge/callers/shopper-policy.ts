/**
 * What a shopper's browser may ask Flexiti for through the edge. Flexiti's `customer` scope (the spec's
 * security requirements) is the outer bound; within it, two operations are not a shopper's to do at a
 * merchant's checkout: closing a Quebec account and the in-store PIN verification (the docs call it
 * "In-store only"). And an operation that names an account must name the checkout's account, once
 * the checkout knows it.
 */
import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";
import { notForShoppers as notForShoppersRule } from "../../contract/flexiti-surface-rules.ts";
import { isJsonObject } from "../../contract/json-object.ts";
import { parseJson, stringifyJson } from "../../contract/lossless-json.ts";
import { EdgeError } from "../core/errors.ts";
import type { CheckoutAccount } from "../orders/checkout.ts";

// The rule's one statement, which the /flexiti surface's spec is generated from too.
const notForShoppers: ReadonlySet<string> = new Set(Object.keys(notForShoppersRule));

/** Whether a shopper may call this operation (CORS asks too, for every request, to answer preflights). */
export function shopperMay(operationId: FlexitiOperationId, scopes: readonly string[]): boolean {
	return scopes.includes("customer") && !notForShoppers.has(operationId);
}

/**
 * Why a shopper may not call this operation, if they may not. The error is built only for a refusal:
 * an `Error` captures a stack trace, which no call that goes through should pay for.
 */
export function shopperRefusal(operationId: FlexitiOperationId, scopes: readonly string[]): EdgeError | undefined {
	if (shopperMay(operationId, scopes)) return undefined;
	return new EdgeError("insufficient_scope", "Insufficient scope: this operation needs a merchant");
}

/**
 * A call naming an account the checkout is not for. A checkout comes to an account through Flexiti's
 * widget (`widget/init`, which is not judged here: opening it again for another account is how a shopper
 * corrects a mistyped number): before it, a shopper's call names no account — otherwise a fresh client
 * token would read any customer's name and credit (`calculate-interest`) — and after it, only the
 * widget's account, once known.
 */
export function accountRefusal(named: string | undefined, checkout: CheckoutAccount): EdgeError | undefined {
	if (named === undefined) return undefined;
	if (!checkout.widgetOpened) {
		return new EdgeError(
			"account_mismatch",
			"Open Flexiti's widget for this account first: it decides the checkout's account",
		);
	}
	if (checkout.accountNumber === undefined || named === checkout.accountNumber) return undefined;
	return new EdgeError("account_mismatch", "This checkout is for another Flexiti account");
}

/**
 * A successful answer as a shopper's browser gets it. `calculate-interest` carries the account's
 * customer (name, available credit, rate, risk category): a browser needs only the plans, and the
 * number alone opens a widget, so a shopper's token would otherwise read any customer's name and credit
 * one call after naming the account (an outside probe read every sandbox account in a row). Other
 * answers, and any a shopper does not get (not JSON), go as they are.
 */
export function shopperAnswerText(operationId: FlexitiOperationId, text: string | undefined): string | undefined {
	if (operationId !== "calculateInterest" || text === undefined) return text;
	let body: unknown;
	try {
		body = parseJson(text);
	} catch {
		return text;
	}
	if (!isJsonObject(body) || !("customer" in body)) return text;
	const { customer: _, ...plans } = body;
	return stringifyJson(plans);
}

/** A checkout's flow ends with its authorization: its widget and customer token are not handed out again. */
export function checkoutAuthorized(authorizationId: number | bigint | undefined): EdgeError {
	return new EdgeError(
		"checkout_authorized",
		`This checkout is authorized (authorization ${authorizationId}); its widget flow is over`,
	);
}
