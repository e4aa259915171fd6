/**
 * Shopify's order webhooks, in Flexiti terms. The order's reference is the note attribute
 * `flexiti_reference` when an order payload has one, else the Shopify order id; fulfillment and
 * refund payloads carry only `order_id`, so checkouts for Shopify orders use the order id.
 */
import { cents } from "../../../contract/money.ts";
import type { OrderEvent } from "../../orders/order-event.ts";

export interface ShopifyDelivery {
	topic: string;
	webhookId: string;
	clientId: string;
	payload: unknown;
}

type Money = string | number | undefined;
interface LineItem {
	price?: Money;
	quantity?: number;
	discount_allocations?: { amount?: Money }[];
	tax_lines?: { price?: Money }[];
}
interface ShopifyPayload {
	id?: number | string;
	order_id?: number | string;
	fulfillment_status?: string | null;
	cancelled_at?: string | null;
	note_attributes?: { name?: string; value?: string }[];
	line_items?: LineItem[];
	transactions?: { kind?: string; status?: string; amount?: Money; gateway?: string }[];
}

export function shopifyEvents({
	topic,
	webhookId,
	clientId,
	payload,
}: ShopifyDelivery): OrderEvent[] | { ignored: string } {
	const p = (payload ?? {}) as ShopifyPayload;
	const base = { deliveryId: webhookId, source: "shopify" as const, topic, clientId };
	const orderReference = () =>
		p.note_attributes?.find((a) => a.name === "flexiti_reference")?.value ??
		(p.id !== undefined ? String(p.id) : undefined);

	switch (topic) {
		case "orders/fulfilled": {
			// Topic headers are not signed: the signed body must agree.
			if (p.fulfillment_status !== "fulfilled") return { ignored: "the order is not fulfilled" };
			const reference = orderReference();
			// An order is fully fulfilled once, whichever subscription reports it: capture what remains.
			return reference
				? [{ ...base, key: `shopify-fulfilled:${p.id}`, type: "fulfilled", reference }]
				: { ignored: "no order id" };
		}
		case "fulfillments/create": {
			if (p.order_id === undefined || p.id === undefined) return { ignored: "no order or fulfillment id" };
			// The shipped line items, after their discounts and with their taxes; shipping is captured with the rest.
			const amount = (p.line_items ?? []).reduce(
				(sum, item) =>
					sum +
					cents(item.price) * (item.quantity ?? 1) -
					(item.discount_allocations ?? []).reduce((d, a) => d + cents(a.amount), 0) +
					(item.tax_lines ?? []).reduce((t, line) => t + cents(line.price), 0),
				0,
			);
			if (amount <= 0) return { ignored: "a fulfillment with nothing to charge" };
			return [
				{
					...base,
					key: `shopify-fulfillment:${p.id}`,
					type: "fulfilled",
					reference: String(p.order_id),
					amount: amount / 100,
				},
			];
		}
		case "orders/cancelled": {
			if (!p.cancelled_at) return { ignored: "the order is not cancelled" };
			const reference = orderReference();
			return reference
				? [{ ...base, key: `shopify-cancelled:${p.id}`, type: "cancelled", reference }]
				: { ignored: "no order id" };
		}
		case "refunds/create": {
			if (p.order_id === undefined || p.id === undefined) return { ignored: "no order or refund id" };
			const refunds = (p.transactions ?? []).filter(
				(t) => t.kind === "refund" && (t.status ?? "success") === "success",
			);
			// On an order paid partly otherwise (a gift card), only Flexiti's share goes back through Flexiti.
			const throughFlexiti = refunds.filter((t) => t.gateway === undefined || /flexiti/i.test(t.gateway));
			if (refunds.length > 0 && throughFlexiti.length === 0)
				return { ignored: "refunded through another payment method" };
			const amount = throughFlexiti.reduce((sum, t) => sum + cents(t.amount), 0);
			if (amount <= 0) return { ignored: "a refund that gives no money back" };
			return [
				{
					...base,
					key: `shopify-refund:${p.id}`,
					type: "refunded",
					reference: String(p.order_id),
					amount: amount / 100,
				},
			];
		}
		default:
			return { ignored: `topic ${topic} is not handled` };
	}
}

/** Shopify sends money as decimal strings; work in cents. */
