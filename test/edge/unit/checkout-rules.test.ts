/**
 * The checkout's rules for a shopper's calls, on their own (routes/checkout-rules.ts): what the
 * checkout decides is filled in when the shopper omits it, accepted when repeated, and refused — by
 * field, never silently replaced — when it differs. Through the edge: checkout-trust.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { CheckoutView } from "../../../functions/edge/orders/order.ts";
import { applyCheckoutRules } from "../../../functions/edge/routes/checkout-rules.ts";

const checkout: CheckoutView = {
	checkout_id: "a".repeat(64),
	client_id: "flexitidemo",
	reference: "WEB-1",
	amount: 249.99,
	lang: "fr",
	auto_capture: true,
	status: "widget_started",
	widget_session_id: "ws-1",
	expires_at: "2026-12-01T13:00:00.000Z",
};

describe("a shopper's authorization", () => {
	it("takes amount, reference, auto_capture and the widget session from the checkout when omitted", () => {
		expect(applyCheckoutRules("createAuthorization", { account_number: 10000000000001 }, checkout)).toEqual({
			ok: true,
			body: {
				account_number: 10000000000001,
				amount: 249.99,
				reference: "WEB-1",
				auto_capture: true,
				widget_session_id: "ws-1",
			},
		});
	});

	it("accepts the checkout's own values repeated, and keeps a widget session the shopper names", () => {
		const body = { amount: 249.99, reference: "WEB-1", auto_capture: true, widget_session_id: "ws-other" };
		expect(applyCheckoutRules("createAuthorization", body, checkout)).toEqual({ ok: true, body });
	});

	it("refuses each field that differs from the checkout, naming it and the value given", () => {
		const result = applyCheckoutRules(
			"createAuthorization",
			{ amount: 1, reference: "WEB-2", auto_capture: false },
			checkout,
		);
		expect(result).toEqual({
			ok: false,
			fieldErrors: [
				{ param: "amount", msg: "must be the checkout's amount (249.99)", value: 1 },
				{ param: "reference", msg: "must be the checkout's reference", value: "WEB-2" },
				{ param: "auto_capture", msg: "must be the checkout's auto_capture (true)", value: false },
			],
		});
	});

	it("adds no widget session the checkout does not have", () => {
		const { widget_session_id: _, ...fresh } = checkout;
		const result = applyCheckoutRules("createAuthorization", {}, { ...fresh, status: "open" });
		expect(result).toEqual({
			ok: true,
			body: { amount: 249.99, reference: "WEB-1", auto_capture: true },
		});
	});
});

describe("the widget and other operations", () => {
	it("opens the widget in the checkout's language unless the shopper chose one", () => {
		expect(applyCheckoutRules("initWidget", { flow: "purchase" }, checkout)).toEqual({
			ok: true,
			body: { flow: "purchase", lang: "fr" },
		});
		expect(applyCheckoutRules("initWidget", { flow: "purchase", lang: "en" }, checkout)).toEqual({
			ok: true,
			body: { flow: "purchase", lang: "en" },
		});
	});

	it("leaves other operations' bodies, and a call without a body, as they are", () => {
		const body = { account_number: 10000000000001 };
		expect(applyCheckoutRules("lookupCustomer", body, checkout)).toEqual({ ok: true, body });
		expect(applyCheckoutRules("createAuthorization", undefined, checkout)).toEqual({ ok: true, body: undefined });
	});
});
