import type { EdgeBindings } from "../core/env.ts";

/** An order's Durable Object, by the merchant's reference (its name) — how checkouts are created. */
export function orderByReference(env: EdgeBindings, clientId: string, reference: string) {
	const id = env.ORDERS.idFromName(`${clientId}:${reference}`);
	return { checkoutId: id.toString(), order: env.ORDERS.get(id) };
}

/** An order's Durable Object, by its checkout id — or undefined for an id this namespace never made. */
export function orderByCheckoutId(env: EdgeBindings, checkoutId: string) {
	try {
		return env.ORDERS.get(env.ORDERS.idFromString(checkoutId));
	} catch {
		return undefined;
	}
}
