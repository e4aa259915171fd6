/**
 * An order's one order in the merchant's store. A Shopify order names its checkout by a note attribute
 * (`flexiti_reference`), which the storefront writes into the cart — where the shopper can write it
 * too: another shopper's order naming this reference must not ship, cancel or refund this one. So the
 * first platform order whose payload reaches an order is its order; an event of another platform
 * order is recorded as refused (and told), and moves nothing. Pure over the order's state.
 */
import type { OrderEvent, PlatformOrder } from "./order-event.ts";
import type { OrderState } from "./order-state.ts";

export function samePlatformOrder(a: PlatformOrder, b: PlatformOrder): boolean {
	return a.source === b.source && a.scope === b.scope && a.id === b.id;
}

/** Whether these events may be stored as they are on this order (none of them is another store order's). */
export function ofThisPlatformOrder(state: OrderState, events: readonly OrderEvent[]): boolean {
	return events.every(
		(e) =>
			!e.platformOrder ||
			(state.platformOrder !== undefined && samePlatformOrder(e.platformOrder, state.platformOrder)),
	);
}

/**
 * The events as this order records them: the first platform order seen becomes the order's (`bound`
 * says it did), and another one's events become refusals. The keys stay, so a redelivery is a duplicate.
 */
export function bindPlatformOrder(state: OrderState, events: OrderEvent[]): { events: OrderEvent[]; bound: boolean } {
	let bound = false;
	const recorded = events.map((event): OrderEvent => {
		const named = event.platformOrder;
		if (!named) return event;
		if (!state.platformOrder) {
			state.platformOrder = named;
			bound = true;
			return event;
		}
		if (samePlatformOrder(named, state.platformOrder)) return event;
		const { amount: _amount, captureId: _capture, withShipping: _shipping, shipping: _cost, ...rest } = event;
		return {
			...rest,
			type: "noted",
			verdict: {
				status: "refused",
				reason: `another_store_order: order ${state.reference} is ${state.platformOrder.source} order ${state.platformOrder.id}; this event is for ${named.source} order ${named.id}, which names the same reference (a cart attribute the shopper can set): nothing moved`,
			},
		};
	});
	return { events: recorded, bound };
}
