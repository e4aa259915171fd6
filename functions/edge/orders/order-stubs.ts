import type { EdgeBindings } from "../core/env.ts";

/** An order's Durable Object, by the merchant's reference (its name) — how checkouts are created. */
export function orderByReference(env: EdgeBindings, clientId: string, reference: string) {
	const id = env.ORDERS.idFromName(`${clientId}:${reference}`);
	return { checkoutId: id.toString(), order: env.ORDERS.get(id) };
}

/** How a checkout id is written (spec/edge-api.yaml `CheckoutId`): a Durable Object id, lower-case hex. */
const CHECKOUT_ID = /^[0-9a-f]{64}$/;

/**
 * An order's Durable Object, by its checkout id — or undefined for an id this namespace never made,
 * or one not written as the edge writes it (`idFromString` would take upper-case hex too).
 */
export function orderByCheckoutId(env: EdgeBindings, checkoutId: string) {
	if (!CHECKOUT_ID.test(checkoutId)) return undefined;
	try {
		return env.ORDERS.get(env.ORDERS.idFromString(checkoutId));
	} catch {
		return undefined;
	}
}

/**
 * Where the link from a platform's order id to the checkout's reference is kept (learned from the
 * first signed payload that carries both). Its own name space: `\u0000` never appears in a reference.
 */
export function orderLink(env: EdgeBindings, clientId: string, source: string, scope: string, orderId: string) {
	return env.ORDERS.get(env.ORDERS.idFromName(["link", clientId, source, scope, orderId].join("\u0000")));
}
