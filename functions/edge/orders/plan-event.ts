/**
 * What an order event means in money, decided from Flexiti's own view of the authorization (read
 * just before), so the ledger never acts on a stale picture:
 *   fulfilled → capture the amount, never more than remains; the whole order (no amount given):
 *               everything left, or, when the store said what its order comes to now (edited
 *               since it was authorized, no refunds), that less what is captured, and release the rest;
 *   cancelled → release what is not captured;
 *   refunded  → give back against the captures: a return for a promotional purchase within 100 days,
 *               an account refund otherwise; never more than captured minus already given back.
 *   noted     → nothing (recorded with its verdict when received; never planned).
 * A shipment marked `withShipping` also captures the order's shipping when it is the first capture
 * (shipping and its taxes go with the first shipment: the parcel that carries them).
 * A pure function: the Durable Object carries the plan out.
 */
import type { components } from "../../../generated/flexiti-pos-api.ts";
import { cents } from "../../contract/money.ts";
import type { OrderEvent, StoreTotal } from "./order-event.ts";

type Authorization = components["schemas"]["Authorization"];

export interface PlannedCall {
	operationId: "captureAuthorization" | "releaseAuthorization" | "returnCapture" | "refundAccount";
	params: Record<string, string>;
	body: Record<string, unknown>;
	/** Derived from the event (and the capture it touches): a retry after a timeout cannot move money twice. */
	idempotencyKey: string;
	amount: number;
	captureId?: number;
}

export type Plan =
	| { kind: "hold"; reason: string }
	| { kind: "nothing"; outcome: string }
	| { kind: "refuse"; outcome: string }
	| { kind: "calls"; calls: PlannedCall[] /** Said with the outcome once the calls are made. */; note?: string };

const RETURN_WINDOW_MS = 100 * 24 * 60 * 60 * 1000;

export function planEvent(
	event: OrderEvent & { id: string },
	authorization: Authorization,
	clientId: string,
	now: number,
	/** What this ledger already gave back per capture: the floor when Flexiti omits `remaining_capture_amount`. */
	refundedByCapture: Readonly<Record<number, number>> = {},
	/** The order's shipping with its taxes, when its order payload said. */
	shipping?: number,
	/** Captured in full when it was authorized (`auto_capture`): every shipment was paid for then. */
	capturedAtAuthorization = false,
	/**
	 * A shipment of the whole order was applied already (Shopify's `orders/fulfilled`): a parcel's own
	 * event arriving after it (Shopify does not keep their order) was paid for by it.
	 */
	shippedInFull = false,
): Plan {
	const remaining = authorization.remaining_authorization_amount;
	const params = { client_id: clientId, authorization_id: String(authorization.authorization_id) };

	if (event.type === "noted") return { kind: "nothing", outcome: event.verdict?.reason ?? "recorded" };

	if (event.type === "fulfilled") {
		if (cents(remaining) === 0 && shippedInFull && event.amount !== undefined) {
			return { kind: "nothing", outcome: "captured with the whole order's shipment, which came first" };
		}
		if (cents(remaining) === 0) {
			const released = cents(authorization.released_amount ?? 0) > 0;
			if (released)
				return { kind: "refuse", outcome: "authorization_released: nothing can be captured after a release" };
			// A shipment of its own amount was not charged: the merchant must hear it, as when less remains
			// (unless the whole order was charged when it was authorized).
			if (event.amount !== undefined && cents(event.amount) > 0 && !capturedAtAuthorization) {
				return { kind: "refuse", outcome: `capture_exceeds_authorization: ${event.amount} asked, 0 remains` };
			}
			return { kind: "nothing", outcome: "already captured in full" };
		}
		if (event.amount === undefined && event.storeTotal !== undefined) {
			return wholeEditedOrder(event, event.storeTotal, authorization, params);
		}
		const shipped = event.amount ?? remaining;
		if (cents(shipped) > cents(remaining)) {
			return { kind: "refuse", outcome: `capture_exceeds_authorization: ${shipped} asked, ${remaining} remains` };
		}
		const first = (authorization.captures ?? []).length === 0;
		const withShipping = event.amount !== undefined && event.withShipping === true && first && shipping !== undefined;
		// Shipping never makes a shipment's capture fail: at most what remains.
		const amount = withShipping ? Math.min(cents(shipped) + cents(shipping), cents(remaining)) / 100 : shipped;
		return {
			kind: "calls",
			calls: [
				{
					operationId: "captureAuthorization",
					params,
					body: { amount, reference: authorization.reference ?? event.reference },
					idempotencyKey: event.id,
					amount,
				},
			],
		};
	}

	if (event.type === "cancelled") {
		if (cents(remaining) === 0) return { kind: "nothing", outcome: "nothing left to release" };
		return {
			kind: "calls",
			calls: [
				{
					operationId: "releaseAuthorization",
					params,
					body: { amount: remaining },
					idempotencyKey: event.id,
					amount: remaining,
				},
			],
		};
	}

	// refunded
	const captures = (authorization.captures ?? []).filter(
		(c) => event.captureId === undefined || c.capture_id === event.captureId,
	);
	if (captures.length === 0) {
		if (event.captureId !== undefined) return { kind: "refuse", outcome: `unknown_capture: ${event.captureId}` };
		// Released (or expired) with nothing captured: no capture will ever come to refund against.
		if (cents(remaining) === 0) {
			return { kind: "refuse", outcome: "nothing_captured: the authorization was closed with nothing captured" };
		}
		return { kind: "hold", reason: "waiting for a capture to refund against" };
	}
	const asked = event.amount ?? 0;
	// Flexiti's own remaining amount when it gives one (inferred in the spec); else the capture less our refunds.
	const left = (c: (typeof captures)[number]) =>
		c.remaining_capture_amount !== undefined
			? cents(c.remaining_capture_amount)
			: Math.max(0, cents(c.amount) - cents(refundedByCapture[c.capture_id] ?? 0));
	const refundable = captures.reduce((sum, c) => sum + left(c), 0);
	if (cents(asked) <= 0) return { kind: "nothing", outcome: "no amount to refund" };
	if (cents(asked) > refundable) {
		// More may still be captured (the order ships the rest): the refund waits for it, as one with no
		// capture yet does, rather than being refused and the shipment then charging for what went back.
		if (cents(remaining) > 0) {
			return {
				kind: "hold",
				reason: `waiting for captures to cover it: ${asked} asked, ${refundable / 100} refundable`,
			};
		}
		return { kind: "refuse", outcome: `refund_exceeds_captured: ${asked} asked, ${refundable / 100} refundable` };
	}

	// Newest captures first: a refund usually undoes the latest shipment.
	const calls: PlannedCall[] = [];
	let toRefund = cents(asked);
	for (const capture of [...captures].sort((a, b) => b.capture_id - a.capture_id)) {
		const part = Math.min(toRefund, left(capture));
		if (part <= 0) continue;
		toRefund -= part;
		const amount = part / 100;
		const returnable =
			authorization.transaction_type === "promotional_purchase" && now - Date.parse(capture.date) <= RETURN_WINDOW_MS;
		calls.push(
			returnable
				? {
						operationId: "returnCapture",
						params: { ...params, capture_id: String(capture.capture_id) },
						body: { amount, reference: event.reference },
						idempotencyKey: `${event.id}:${capture.capture_id}`,
						amount,
						captureId: capture.capture_id,
					}
				: {
						operationId: "refundAccount",
						params: { client_id: clientId, account_number: String(authorization.account_number) },
						body: { capture_id: capture.capture_id, amount, reference: event.reference },
						idempotencyKey: `${event.id}:${capture.capture_id}`,
						amount,
						captureId: capture.capture_id,
					},
		);
		if (toRefund === 0) break;
	}
	return { kind: "calls", calls };
}

/**
 * The whole order shipped, and its payload says what the order comes to now, edited since it was
 * authorized perhaps: what of that is not captured yet (never more than remains), then the rest of the
 * authorization released, since nothing more will ship. An order edited down is charged for what it
 * holds. (Only an order without refunds gets here: see store-total.ts.)
 */
function wholeEditedOrder(
	event: OrderEvent & { id: string },
	storeTotal: StoreTotal,
	authorization: Authorization,
	params: Record<string, string>,
): Plan {
	const remaining = cents(authorization.remaining_authorization_amount);
	const captured = cents(
		authorization.captured_amount ?? (authorization.captures ?? []).reduce((sum, c) => sum + c.amount, 0),
	);
	const owed = cents(storeTotal.amount) - captured;
	const capture = Math.max(0, Math.min(remaining, owed));
	const rest = remaining - capture;
	const calls: PlannedCall[] = [];
	if (capture > 0) {
		const amount = capture / 100;
		calls.push({
			operationId: "captureAuthorization",
			params,
			body: { amount, reference: authorization.reference ?? event.reference },
			idempotencyKey: event.id,
			amount,
		});
	}
	if (rest > 0) {
		const amount = rest / 100;
		calls.push({
			operationId: "releaseAuthorization",
			params,
			body: { amount },
			idempotencyKey: `${event.id}:release`,
			amount,
		});
	}
	const above =
		owed > remaining
			? `${(owed - remaining) / 100} of the order's total is above what Flexiti authorized: charge it another way`
			: undefined;
	// Something remains (the caller saw to that), so there is a capture or a release to make.
	return { kind: "calls", calls, ...(above ? { note: above } : {}) };
}

/**
 * Flexiti refused a return because the capture is past its return window (`return_date_exceeded`:
 * Flexiti's clock decides, not ours): the same money goes back as an account refund against that
 * capture, as the rule says for returns past the window. Its own idempotency key, derived from the
 * return's, so a retry of the refund is still one refund.
 */
export function accountRefundInstead(
	call: PlannedCall,
	accountNumber: number | undefined,
	clientId: string,
	refusal: string,
): PlannedCall | undefined {
	if (call.operationId !== "returnCapture" || refusal !== "return_date_exceeded") return undefined;
	if (accountNumber === undefined || call.captureId === undefined) return undefined;
	return {
		operationId: "refundAccount",
		params: { client_id: clientId, account_number: String(accountNumber) },
		body: {
			capture_id: call.captureId,
			amount: call.amount,
			...(call.body.reference ? { reference: call.body.reference } : {}),
		},
		idempotencyKey: `${call.idempotencyKey}:refund`,
		amount: call.amount,
		captureId: call.captureId,
	};
}
