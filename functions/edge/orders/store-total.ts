/**
 * An order edited above what Flexiti authorized: the store now asks more of the shopper than Flexiti
 * will pay (a capture is never more than the authorization). The merchant must hear it when the edit
 * arrives, not find it at shipping: the store payload that says so is recorded for the merchant to
 * act on (listed under attention, told as `order.event_needs_attention`) instead of as nothing to do.
 * Only for an order paid with Flexiti alone: beside a gift card, the store's total is not Flexiti's.
 */
import { instantOf } from "../../contract/formats.ts";
import { cents } from "../../contract/money.ts";
import type { Ledger } from "./ledger.ts";
import type { OrderEvent } from "./order-event.ts";

export function withTotalAboveAuthorization<E extends OrderEvent>(events: readonly E[], ledger: Ledger): E[] {
	const { authorization } = ledger;
	if (!authorization) return [...events];
	return events.map((event) => {
		const total = event.storeTotal;
		if (event.type !== "noted" || event.verdict?.status !== "ignored" || !total?.flexitiAlone) return event;
		if (cents(total.amount) <= cents(authorization.amount)) return event;
		// A payload older than one the order has (Shopify does not keep their order) says nothing new.
		const at = instantOf(event.occurredAt ?? "");
		if (ledger.events.some((e) => e.storeTotal !== undefined && instantOf(e.occurredAt ?? "") > at)) return event;
		return {
			...event,
			verdict: {
				status: "attention",
				reason: `the store's order now comes to ${total.amount}, above the ${authorization.amount} Flexiti authorized: at most ${authorization.amount} will be captured; charge the difference another way, or edit the order back`,
			},
		};
	});
}

/**
 * The event as a whole order's shipment plans it: with the store's total only when the total says what
 * Flexiti is owed, else without it (the shipment then captures what remains, as it always did).
 * - Only an order without refunds, on either side: a refund of an item never shipped is given back at
 *   Flexiti by its own event, against the capture of what remains; a total the refund already took
 *   off would count it twice (an outside probe: a 30 refund applied after a capture of 70 of 100).
 * - Beside a gift card (or any other payment taken at checkout), the store's total includes what that
 *   paid, which an edit does not give back: Flexiti's share is the new total less the other payments,
 *   the store's earliest payload's total (by its own time) less what Flexiti authorized. Without an
 *   earlier payload, they are not known.
 */
export function storeTotalToPlan<E extends OrderEvent>(event: E, ledger: Ledger): E {
	const total = event.storeTotal;
	const authorized = ledger.authorization?.amount;
	if (!total || authorized === undefined) return event;
	const { storeTotal: _, ...withoutTotal } = event;
	const refunds = total.refunded || ledger.refunds.length > 0 || ledger.events.some((e) => e.type === "refunded");
	if (refunds) return withoutTotal as E;
	if (total.flexitiAlone) return event;
	const at = (e: OrderEvent) => instantOf(e.occurredAt ?? "");
	const earlier = ledger.events.filter((e) => e.storeTotal !== undefined && at(e) < at(event));
	const first = earlier.sort((a, b) => at(a) - at(b))[0]?.storeTotal;
	if (!first) return withoutTotal as E;
	const others = Math.max(0, cents(first.amount) - cents(authorized));
	return { ...event, storeTotal: { ...total, amount: Math.max(0, cents(total.amount) - others) / 100 } };
}
