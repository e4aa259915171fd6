/**
 * What a source's parser makes of one signed delivery: order events, each tied to its order by the
 * checkout's reference (read from the signed payload) or only by the platform's order id (which the
 * route then resolves through the link learned earlier) — or a reason why nothing is recorded.
 */
import type { OrderEvent } from "../../orders/order-event.ts";

export type ParsedEvent = Omit<OrderEvent, "reference"> & {
	/** The checkout's reference, when the signed payload carries it (note attribute, order meta). */
	reference?: string;
	/** The platform's own order id, as text (64-bit ids without loss). */
	orderId?: string;
	/**
	 * Its payload never names the checkout (a Shopify fulfillment or refund carries only `order_id`): when
	 * no link is known yet, the event waits for the order's own payload (orders/unlinked-events.ts).
	 */
	waitsForLink?: true;
};

export interface ParsedDelivery {
	/** Empty when the delivery is recorded nowhere; then `ignored` says why. */
	events: ParsedEvent[];
	ignored?: string;
	/**
	 * The payload carries both the platform's order id and the checkout's reference: the route keeps
	 * this link, so later payloads that carry only the order id (Shopify's fulfillments and refunds,
	 * a WooCommerce deletion) find their order.
	 */
	link?: { orderId: string; reference: string };
}

export const ignored = (reason: string, link?: ParsedDelivery["link"]): ParsedDelivery => ({
	events: [],
	ignored: reason,
	...(link ? { link } : {}),
});

/** Flexiti lends in Canadian dollars: the currencies a payload names, other than CAD, or none. */
export function foreignCurrencies(currencies: readonly (string | undefined)[]): string[] {
	const named = currencies.filter((c): c is string => c !== undefined && c !== "");
	return [...new Set(named.map((c) => c.toUpperCase()).filter((c) => c !== "CAD"))];
}

export const currencyRefusal = (currencies: readonly string[]) =>
	({
		status: "refused",
		reason: `currency_not_cad: the order is in ${currencies.join(", ")}; Flexiti lends in Canadian dollars, so nothing is sent`,
	}) as const;

/** A checkout reference as the edge issues them (1–40 characters), or undefined. */
export function checkoutReference(value: string | undefined): string | undefined {
	const trimmed = value?.trim();
	return trimmed && trimmed.length <= 40 ? trimmed : undefined;
}
