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
 * The event with its store total as Flexiti's share of it. Beside a gift card (or any other payment
 * taken at checkout), the store's total includes what that paid, which an edit does not give back:
 * the other payments are the store's first total less what Flexiti authorized (its first order payload,
 * made before any edit), and an edited order owes Flexiti its new total less them. Flexiti alone: all of it.
 */
export function flexitiShareOf<E extends OrderEvent>(event: E, ledger: Ledger): E {
	const total = event.storeTotal;
	const authorized = ledger.authorization?.amount;
	if (!total || total.flexitiAlone || authorized === undefined) return event;
	const first = ledger.events.find((e) => e.storeTotal !== undefined)?.storeTotal ?? total;
	const others = Math.max(0, cents(first.amount) - cents(authorized));
	return { ...event, storeTotal: { ...total, amount: Math.max(0, cents(total.amount) - others) / 100 } };
}
