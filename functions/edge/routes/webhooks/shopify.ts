/**
 * Shopify's order webhooks, in Flexiti terms (the rules are in the README, "Order-system webhooks").
 *
 * - Identity: the checkout's reference is the note attribute `flexiti_reference` (a cart attribute
 *   the storefront set) when an order payload has one, else the Shopify order id. Fulfillment and
 *   refund payloads carry only `order_id`: the route finds the reference through the link it learned
 *   from the order's own payloads (`orders/create`, `orders/paid`, …). Ids are read without loss.
 * - Only Flexiti's money: an order whose `payment_gateway_names` has none of SHOPIFY_FLEXITI_GATEWAYS
 *   is not a Flexiti order; a refund counts the transactions of those gateways only.
 * - Only Canadian dollars: another shop or presentment currency is refused and recorded.
 * - Shipments: a fulfillment is captured when its status is `success` (its line items after their
 *   discounts, with their taxes, and the order's shipping with the first capture); a pending one is
 *   recorded and waits for `fulfillments/update`; a cancelled one needs the merchant's attention.
 * - A payload of an unexpected shape is recorded as refused with the fields at fault, never a 500.
 */

import { instantOf } from "../../../contract/formats.ts";
import type { JsonObject } from "../../../contract/json-object.ts";
import type { StoreTotal } from "../../orders/order-event.ts";
import {
	currencyRefusal,
	foreignCurrencies,
	ignored,
	type ParsedDelivery,
	type ParsedEvent,
} from "./parsed-delivery.ts";
import { PayloadReader } from "./payload-reader.ts";

export interface ShopifyDelivery {
	topic: string;
	webhookId: string;
	clientId: string;
	payload: unknown;
	/** SHOPIFY_FLEXITI_GATEWAYS, lower-cased. */
	gateways: ReadonlySet<string>;
}

/** Order topics whose payload is the order itself. */
const ORDER_TOPICS = new Set([
	"orders/create",
	"orders/paid",
	"orders/updated",
	"orders/fulfilled",
	"orders/partially_fulfilled",
	"orders/cancelled",
	"orders/edited",
]);

/** Shopify's own gift cards: a refund to one is plainly not Flexiti's. */
const GIFT_CARD = "gift_card";

export function shopifyEvents(delivery: ShopifyDelivery): ParsedDelivery {
	const read = new PayloadReader();
	const payload = read.object(delivery.payload, "body");
	if (!payload) return ignored(`unusable payload: ${read.summary() || "the body is empty"}`);
	const { topic } = delivery;
	if (topic === "fulfillments/create" || topic === "fulfillments/update") return fulfillment(delivery, payload, read);
	if (topic === "refunds/create") return refund(delivery, payload, read);
	return order(delivery, payload, read, ORDER_TOPICS.has(topic));
}

/** A recorded-only event of this delivery's order (a verdict, no money), under its own key. */
function notedEvent(base: ReturnType<typeof baseOf> & { orderId: string }) {
	return (key: string, status: "ignored" | "attention" | "refused", reason: string, amount?: number): ParsedEvent => ({
		...base,
		key,
		type: "noted",
		...(amount !== undefined ? { amount } : {}),
		verdict: { status, reason },
	});
}

function baseOf(delivery: ShopifyDelivery) {
	return {
		deliveryId: delivery.webhookId,
		source: "shopify" as const,
		topic: delivery.topic,
		clientId: delivery.clientId,
	};
}

/** A payload that is an order: `orders/*`, and any other topic whose body names an order. */
function order(delivery: ShopifyDelivery, p: JsonObject, read: PayloadReader, orderTopic: boolean): ParsedDelivery {
	const { topic, webhookId } = delivery;
	const orderId = read.id(p.id, "id") ?? gid(read.string(p.admin_graphql_api_id, "admin_graphql_api_id"), "Order");
	const reference = noteReference(p, read);
	if (!orderId && !reference) return ignored(unusable(read) ?? `topic ${topic}: no order id in the payload`);
	const gateways = read.strings(p.payment_gateway_names, "payment_gateway_names");
	const flexiti = gateways.some(isFlexitiGateway(delivery));
	if (gateways.length > 0 && !flexiti)
		return ignored(`not paid with Flexiti (payment gateways: ${gateways.join(", ")})`);
	const currencies = foreignCurrencies([
		read.string(p.currency, "currency"),
		read.string(p.presentment_currency, "presentment_currency"),
	]);
	const shipping = shippingOf(p, read);
	const storeTotal = storeTotalOf(p, gateways.length > 0 && gateways.every(isFlexitiGateway(delivery)));
	const occurredAt = timeOf(p.updated_at);
	const fulfillmentStatus = read.string(p.fulfillment_status, "fulfillment_status");
	const cancelledAt = read.string(p.cancelled_at, "cancelled_at");
	const link = orderId && reference && !read.problems.length ? { orderId, reference } : undefined;
	const recorded = (events: ParsedEvent[]): ParsedDelivery => ({ events, ...(link ? { link } : {}) });
	const base = {
		...baseOf(delivery),
		...(reference ? { reference } : {}),
		...(orderId ? { orderId } : {}),
		...(flexiti ? { paidWithFlexiti: true } : {}),
		...(shipping !== undefined ? { shipping } : {}),
		...(storeTotal !== undefined ? { storeTotal } : {}),
		...(occurredAt !== undefined ? { occurredAt } : {}),
	};
	const noted = (status: "ignored" | "attention" | "refused", reason: string): ParsedEvent => ({
		...base,
		key: `shopify-noted:${webhookId}`,
		type: "noted",
		verdict: { status, reason },
	});
	const problems = unusable(read);
	if (problems) return { events: [noted("refused", problems)] };
	if (!orderTopic) return recorded([noted("ignored", `topic ${topic} is not one the edge acts on: recorded only`)]);

	const moves =
		(topic === "orders/fulfilled" && fulfillmentStatus === "fulfilled") ||
		(topic === "orders/cancelled" && !!cancelledAt);
	if (moves && currencies.length > 0) return recorded([noted("refused", currencyRefusal(currencies).reason)]);
	switch (topic) {
		case "orders/fulfilled":
			// Topic headers are not signed: the signed body must agree. Shopify's own sample for this topic
			// has fulfillment_status null; it is recorded, so a merchant testing with it sees why nothing moved.
			if (fulfillmentStatus !== "fulfilled") {
				return recorded([
					noted(
						"ignored",
						`the order's fulfillment_status is ${fulfillmentStatus ?? "null"}, not fulfilled: nothing captured`,
					),
				]);
			}
			// An order is fully fulfilled once, whichever subscription reports it: capture what remains.
			return recorded([{ ...base, key: `shopify-fulfilled:${orderId ?? reference}`, type: "fulfilled" }]);
		case "orders/cancelled":
			if (!cancelledAt)
				return recorded([noted("ignored", "the order is not cancelled (no cancelled_at): nothing released")]);
			return recorded([{ ...base, key: `shopify-cancelled:${orderId ?? reference}`, type: "cancelled" }]);
		default:
			// orders/create, orders/paid (which tie the order id to the checkout), orders/updated, …: no money moves.
			return recorded([
				noted(
					"ignored",
					`${topic} moves no money: recorded, and it ties Shopify order ${orderId ?? "?"} to this checkout`,
				),
			]);
	}
}

function fulfillment(delivery: ShopifyDelivery, p: JsonObject, read: PayloadReader): ParsedDelivery {
	const { webhookId } = delivery;
	const fulfillmentId = read.id(p.id, "id");
	const orderId = read.id(p.order_id, "order_id");
	const status = read.string(p.status, "status");
	let amount = 0;
	const currencies: (string | undefined)[] = [];
	read.objects(p.line_items, "line_items").forEach((item, i) => {
		const at = `line_items[${i}]`;
		const price = read.money(item.price, `${at}.price`) ?? 0;
		const quantity = read.count(item.quantity, `${at}.quantity`) ?? 1;
		const discounts = read
			.objects(item.discount_allocations, `${at}.discount_allocations`)
			.reduce((sum, d, j) => sum + (read.money(d.amount, `${at}.discount_allocations[${j}].amount`) ?? 0), 0);
		const taxes = read
			.objects(item.tax_lines, `${at}.tax_lines`)
			.reduce((sum, t, j) => sum + (read.money(t.price, `${at}.tax_lines[${j}].price`) ?? 0), 0);
		amount += price * quantity - discounts + taxes;
		const priceSet = read.object(item.price_set, `${at}.price_set`);
		for (const side of ["shop_money", "presentment_money"]) {
			const money = read.object(priceSet?.[side], `${at}.price_set.${side}`);
			currencies.push(read.string(money?.currency_code, `${at}.price_set.${side}.currency_code`));
		}
	});
	if (!orderId) return ignored(unusable(read) ?? "a fulfillment without an order id");
	const occurredAt = timeOf(p.created_at);
	const base = {
		...baseOf(delivery),
		orderId,
		waitsForLink: true as const,
		...(occurredAt !== undefined ? { occurredAt } : {}),
	};
	const noted = notedEvent(base);
	const problems =
		unusable(read) ?? (fulfillmentId ? undefined : "id is missing: the fulfillment cannot be counted once");
	if (problems) return { events: [noted(`shopify-noted:${webhookId}`, "refused", problems)] };
	const foreign = foreignCurrencies(currencies);
	switch (status) {
		case "success": {
			if (foreign.length > 0)
				return { events: [noted(`shopify-fulfillment:${fulfillmentId}`, "refused", currencyRefusal(foreign).reason)] };
			if (amount <= 0)
				return {
					events: [
						noted(`shopify-noted:${webhookId}`, "ignored", `fulfillment ${fulfillmentId} has nothing to charge`),
					],
				};
			// Keyed by the fulfillment: its create and its later update to success capture once.
			return {
				events: [
					{
						...base,
						key: `shopify-fulfillment:${fulfillmentId}`,
						type: "fulfilled",
						amount: amount / 100,
						withShipping: true,
					},
				],
			};
		}
		case "cancelled":
			return {
				events: [
					noted(
						`shopify-fulfillment-cancelled:${fulfillmentId}`,
						"attention",
						`fulfillment ${fulfillmentId} was cancelled: if it was captured, refund it in Shopify (refunds/create moves the money back) or ship it again`,
					),
				],
			};
		default:
			return {
				events: [
					noted(
						`shopify-noted:${webhookId}`,
						"ignored",
						`fulfillment ${fulfillmentId} is ${status ?? "without a status"}: captured once Shopify reports it as success (fulfillments/update)`,
					),
				],
			};
	}
}

function refund(delivery: ShopifyDelivery, p: JsonObject, read: PayloadReader): ParsedDelivery {
	const { webhookId } = delivery;
	const refundId = read.id(p.id, "id");
	const orderId = read.id(p.order_id, "order_id");
	const transactions = read.objects(p.transactions, "transactions").map((t, i) => ({
		kind: read.string(t.kind, `transactions[${i}].kind`),
		status: read.string(t.status, `transactions[${i}].status`) ?? "success",
		amount: read.money(t.amount, `transactions[${i}].amount`) ?? 0,
		gateway: read.string(t.gateway, `transactions[${i}].gateway`),
		currency: read.string(t.currency, `transactions[${i}].currency`),
	}));
	if (!orderId) return ignored(unusable(read) ?? "a refund without an order id");
	const base = { ...baseOf(delivery), orderId, waitsForLink: true as const };
	const noted = notedEvent(base);
	const problems = unusable(read) ?? (refundId ? undefined : "id is missing: the refund cannot be counted once");
	if (problems) return { events: [noted(`shopify-noted:${webhookId}`, "refused", problems)] };

	const refunds = transactions.filter((t) => t.kind === "refund" && t.status === "success" && t.amount > 0);
	const isFlexiti = (t: (typeof refunds)[number]) =>
		t.gateway !== undefined && delivery.gateways.has(t.gateway.toLowerCase());
	const throughFlexiti = refunds.filter(isFlexiti);
	const unattributed = refunds.filter((t) => !isFlexiti(t) && t.gateway?.toLowerCase() !== GIFT_CARD);
	const events: ParsedEvent[] = [];
	const amount = throughFlexiti.reduce((sum, t) => sum + t.amount, 0);
	if (amount > 0) {
		const foreign = foreignCurrencies(throughFlexiti.map((t) => t.currency));
		events.push(
			foreign.length > 0
				? noted(`shopify-refund:${refundId}`, "refused", currencyRefusal(foreign).reason)
				: { ...base, key: `shopify-refund:${refundId}`, type: "refunded", amount: amount / 100 },
		);
	}
	if (unattributed.length > 0) {
		// The gateway name is whatever the merchant's payment method is called: never guess, never drop silently.
		const gateways = [...new Set(unattributed.map((t) => t.gateway ?? "(none)"))].join(", ");
		const total = unattributed.reduce((sum, t) => sum + t.amount, 0) / 100;
		events.push(
			noted(
				`shopify-refund-unattributed:${refundId}`,
				"attention",
				`refund ${refundId} gave back ${total} through gateway ${gateways}, which is not in SHOPIFY_FLEXITI_GATEWAYS: nothing was refunded at Flexiti. If it is Flexiti, add its name to the setting and have Shopify resend the webhook`,
				total,
			),
		);
	}
	if (events.length > 0) return { events };
	if (refunds.length > 0) return ignored("refunded through another payment method (gift card)");
	return {
		events: [
			noted(
				`shopify-noted:${webhookId}`,
				"ignored",
				`refund ${refundId} gives no money back (no successful refund transaction)`,
			),
		],
	};
}

/** The note attribute `flexiti_reference` (the cart attribute the storefront set), if well-formed. */
function noteReference(p: JsonObject, read: PayloadReader): string | undefined {
	const attributes = read.objects(p.note_attributes, "note_attributes");
	const index = attributes.findIndex((a) => a.name === "flexiti_reference");
	if (index < 0) return undefined;
	const path = `note_attributes[${index}].value`;
	const value = read.string(attributes[index]?.value, path)?.trim();
	if (value === undefined) return undefined;
	if (value === "" || value.length > 40) {
		read.problems.push(`${path} is not a checkout reference (1 to 40 characters)`);
		return undefined;
	}
	return value;
}

/** A payload's time as it says it (only ordering uses it: one the edge cannot read is none, never a refusal). */
function timeOf(value: unknown): string | undefined {
	return typeof value === "string" && !Number.isNaN(instantOf(value)) ? value : undefined;
}

const isFlexitiGateway = (delivery: ShopifyDelivery) => (name: string) => delivery.gateways.has(name.toLowerCase());

/**
 * What the order comes to now, in dollars: `current_total_price`, the order's total less what edits,
 * returns and refunds took off (Shopify: "minus amounts for line items that have been removed").
 * Absent when the payload has none the edge can read. Whether the order had refunds is said beside it:
 * then the total is not used (orders/store-total.ts), since the refunds give their money back themselves.
 */
function storeTotalOf(p: JsonObject, flexitiAlone: boolean): StoreTotal | undefined {
	// Its own reader: a total the edge cannot read is no total (the shipment captures what remains, as
	// without one), never a reason to refuse the order's payload, which also links and cancels it.
	const read = new PayloadReader();
	const current = read.money(p.current_total_price, "current_total_price");
	const refunded = read.objects(p.refunds, "refunds").length > 0;
	if (current === undefined || read.problems.length > 0) return undefined;
	return { amount: current / 100, refunded, flexitiAlone };
}

/** The order's shipping, after its discounts and with its taxes, in dollars (absent: not in the payload). */
function shippingOf(p: JsonObject, read: PayloadReader): number | undefined {
	if (p.shipping_lines === undefined || p.shipping_lines === null) return undefined;
	const total = read.objects(p.shipping_lines, "shipping_lines").reduce((sum, line, i) => {
		const at = `shipping_lines[${i}]`;
		const price =
			read.money(line.discounted_price, `${at}.discounted_price`) ?? read.money(line.price, `${at}.price`) ?? 0;
		const taxes = read
			.objects(line.tax_lines, `${at}.tax_lines`)
			.reduce((t, tax, j) => t + (read.money(tax.price, `${at}.tax_lines[${j}].price`) ?? 0), 0);
		return sum + price + taxes;
	}, 0);
	return total / 100;
}

/** `gid://shopify/Order/820982911946154508` → its id, the string Shopify gives for exactly this reason. */
function gid(value: string | undefined, type: string): string | undefined {
	const match = value?.match(new RegExp(`^gid://shopify/${type}/(\\d{1,30})$`));
	return match?.[1];
}

function unusable(read: PayloadReader): string | undefined {
	return read.problems.length > 0 ? `unusable payload: ${read.summary()}` : undefined;
}
