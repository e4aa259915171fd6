/**
 * WooCommerce's order webhooks, in Flexiti terms. Woo sends the whole order on every update, so
 * each fact gets its own key (completed once, cancelled once, each refund once) and a resent order
 * moves no money twice. The reference is the order meta `flexiti_reference`, else the order id.
 */
import { cents } from "../../../contract/money.ts";
import type { OrderEvent } from "../../orders/order-event.ts";

export interface WooDelivery {
	topic: string;
	deliveryId: string;
	clientId: string;
	payload: unknown;
}

interface WooOrder {
	id?: number | string;
	status?: string;
	total?: string | number;
	refunds?: { id?: number | string; total?: string | number }[];
	meta_data?: { key?: string; value?: unknown }[];
}

export function wooCommerceEvents({
	topic,
	deliveryId,
	clientId,
	payload,
}: WooDelivery): OrderEvent[] | { ignored: string } {
	const order = (payload ?? {}) as WooOrder;
	if (order.id === undefined) return { ignored: "no order id" };
	const meta = order.meta_data?.find((m) => m.key === "flexiti_reference")?.value;
	const reference = typeof meta === "string" && meta !== "" ? meta : String(order.id);
	const base = { deliveryId, source: "woocommerce" as const, topic, clientId, reference };

	if (topic === "order.deleted") {
		// Topic headers are not signed: a deleted order's body is its id alone, or an order in the trash.
		if (order.status !== undefined && order.status !== "trash") return { ignored: "the order is not deleted" };
		return [{ ...base, key: `woo-deleted:${order.id}`, type: "cancelled" }];
	}
	if (topic !== "order.updated" && topic !== "order.created") return { ignored: `topic ${topic} is not handled` };

	const events: OrderEvent[] = [];
	if (order.status === "completed") events.push({ ...base, key: `woo-completed:${order.id}`, type: "fulfilled" });
	if (order.status === "cancelled") events.push({ ...base, key: `woo-cancelled:${order.id}`, type: "cancelled" });
	const refunds = (order.refunds ?? []).filter((r) => r.id !== undefined && cents(r.total) !== 0);
	for (const refund of refunds) {
		events.push({
			...base,
			key: `woo-refund:${refund.id}`,
			type: "refunded",
			amount: Math.abs(cents(refund.total)) / 100,
		});
	}
	// "Refunded" with no refund lines listed: the whole order went back.
	if (order.status === "refunded" && refunds.length === 0 && cents(order.total) > 0) {
		events.push({ ...base, key: `woo-refunded:${order.id}`, type: "refunded", amount: cents(order.total) / 100 });
	}
	return events.length > 0 ? events : { ignored: `status ${order.status ?? "unknown"} moves no money` };
}
