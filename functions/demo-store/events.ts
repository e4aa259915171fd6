/**
 * The store's endpoint for the edge's events (`EVENT_ENDPOINTS` points the edge here): the way a
 * merchant's server learns that an order is paid even when the shopper closed the page right after
 * authorizing. Each delivery is verified with the `standardwebhooks` library on the raw body — a
 * forged or replayed one is refused (401) and changes nothing — and `checkout.authorized` marks the
 * store's own order paid. Idempotent: a retried delivery (same `webhook-id`) marks it again, the same.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { components } from "../../generated/edge-api.ts";
import type { DemoEnv } from "./env.ts";
import { findOrder, saveOrder } from "./orders.ts";

type MerchantEvent = components["schemas"]["MerchantEvent"];

export async function receiveEdgeEvent(env: DemoEnv, request: Request): Promise<Response> {
	const body = await request.text();
	let event: MerchantEvent;
	try {
		event = new Webhook(env.EVENTS_SECRET).verify(body, {
			"webhook-id": request.headers.get("webhook-id") ?? "",
			"webhook-timestamp": request.headers.get("webhook-timestamp") ?? "",
			"webhook-signature": request.headers.get("webhook-signature") ?? "",
		}) as MerchantEvent;
	} catch (error) {
		if (error instanceof WebhookVerificationError) return Response.json({ error: "bad_signature" }, { status: 401 });
		throw error;
	}
	if (event.type === "checkout.authorized") {
		const order = await findOrder(env, event.data.reference);
		// Another store's order (or one this store forgot): acknowledged, so the edge does not retry it.
		if (order && !order.paid) {
			await saveOrder(env, {
				...order,
				paid: {
					at: event.timestamp,
					event_id: event.data.id,
					// Kept as text: Flexiti's ids may be past 2^53 (the edge's JSON carries them losslessly).
					...(event.data.authorization_id === undefined
						? {}
						: { authorization_id: String(event.data.authorization_id) }),
				},
			});
		}
	}
	return Response.json({ received: event.data.id });
}
