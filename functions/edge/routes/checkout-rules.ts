/**
 * What a shopper may not decide: for their checkout's operations, the edge fills in or enforces
 * what the checkout says (amount, reference, auto_capture, the widget session, the language) before
 * anything reaches Flexiti.
 */
import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";
import type { FieldError } from "../../contract/errors.ts";
import { isJsonObject } from "../../contract/json-object.ts";
import type { CheckoutView } from "../orders/order.ts";

export type RuleResult = { ok: true; body: unknown } | { ok: false; fieldErrors: FieldError[] };

/**
 * The rules run before the body is validated (a shopper may leave out what the checkout fills in), so
 * the body is any JSON: what is not an object is left to the validation that follows.
 */
export function applyCheckoutRules(operationId: FlexitiOperationId, body: unknown, checkout: CheckoutView): RuleResult {
	if (!isJsonObject(body)) return { ok: true, body };
	const given = body;

	if (operationId === "createAuthorization") {
		const fieldErrors: FieldError[] = [];
		if (given.amount !== undefined && given.amount !== checkout.amount) {
			fieldErrors.push({
				param: "amount",
				msg: `must be the checkout's amount (${checkout.amount})`,
				value: given.amount,
			});
		}
		if (given.reference !== undefined && given.reference !== checkout.reference) {
			fieldErrors.push({ param: "reference", msg: "must be the checkout's reference", value: given.reference });
		}
		// One rule for every field the checkout decides: omit it or repeat the checkout's value; another
		// value is refused, never silently replaced (a storefront that thinks it auto-captures would not know).
		if (given.auto_capture !== undefined && given.auto_capture !== checkout.auto_capture) {
			fieldErrors.push({
				param: "auto_capture",
				msg: `must be the checkout's auto_capture (${checkout.auto_capture})`,
				value: given.auto_capture,
			});
		}
		if (fieldErrors.length > 0) return { ok: false, fieldErrors };
		return {
			ok: true,
			body: {
				...given,
				amount: checkout.amount,
				reference: checkout.reference,
				auto_capture: checkout.auto_capture,
				...(checkout.widget_session_id && given.widget_session_id === undefined
					? { widget_session_id: checkout.widget_session_id }
					: {}),
			},
		};
	}
	if (operationId === "initWidget" && given.lang === undefined)
		return { ok: true, body: { ...given, lang: checkout.lang } };
	return { ok: true, body };
}
