/**
 * WooCommerce's order webhooks, in Flexiti terms (the rules are in the README, "Order-system webhooks").
 * Woo sends the whole order (its REST v3 representation) on every update, so each fact gets its own
 * key (completed once, cancelled once, each refund once) and a resent order moves no money twice.
 *
 * - Identity: only the order meta `flexiti_reference`, which the Flexiti gateway stores from the
 *   checkout the edge issued. Woo's order ids are small and per site, and a staging copy of a shop
 *   signs with the production secret: an order id never names a Flexiti order on its own. (A deletion
 *   carries only the id: it finds its order through the link learned from that site's earlier payloads.)
 * - The site is in the signed body (`_links.self`): when WEBHOOK_CLIENT_BY_SOURCE lists sites, a
 *   payload from another site (a clone) is not applied, nor one from a listed site sent for another
 *   client than that site's (the unsigned `X-WC-Webhook-Source` header, or a secret of another client's).
 * - Only Flexiti's orders (`payment_method` in WOOCOMMERCE_FLEXITI_PAYMENT_METHODS) and only CAD.
 */

import type { JsonObject } from "../../../contract/json-object.ts";
import type { ParsedEvent } from "./parsed-delivery.ts";
import {
	checkoutReference,
	currencyRefusal,
	foreignCurrencies,
	ignored,
	type ParsedDelivery,
} from "./parsed-delivery.ts";
import { PayloadReader } from "./payload-reader.ts";

export interface WooDelivery {
	topic: string;
	deliveryId: string;
	clientId: string;
	payload: unknown;
	/** WOOCOMMERCE_FLEXITI_PAYMENT_METHODS, lower-cased. */
	paymentMethods: ReadonlySet<string>;
	/** The WooCommerce sites WEBHOOK_CLIENT_BY_SOURCE names, with their clients (none: any site). */
	sites: ReadonlyMap<string, string>;
}

export function wooCommerceEvents(delivery: WooDelivery): ParsedDelivery {
	const { topic, deliveryId, clientId } = delivery;
	const read = new PayloadReader();
	const order = read.object(delivery.payload, "body");
	if (!order) return ignored(`unusable payload: ${read.summary() || "the body is empty"}`);
	const orderId = read.id(order.id, "id");
	const status = read.string(order.status, "status");
	const paymentMethod = read.string(order.payment_method, "payment_method");
	const reference = metaReference(order, read);
	const site = signedSite(order, read);
	const currencies = foreignCurrencies([read.string(order.currency, "currency")]);
	const orderTotal = read.money(order.total, "total");
	const total = orderTotal ?? 0;
	const refunds = read.objects(order.refunds, "refunds").map((refund, i) => ({
		id: read.id(refund.id, `refunds[${i}].id`),
		amount: Math.abs(read.money(refund.total, `refunds[${i}].total`, "signed") ?? 0),
	}));
	if (!orderId) return ignored(unusable(read) ?? "no order id in the payload");
	if (paymentMethod !== undefined && !delivery.paymentMethods.has(paymentMethod.toLowerCase())) {
		return ignored(`not paid with Flexiti (payment_method ${paymentMethod})`);
	}
	const siteClient = site === undefined ? undefined : delivery.sites.get(site);
	if (site !== undefined && delivery.sites.size > 0 && siteClient === undefined) {
		return ignored(`signed by ${site}, which is not a site in WEBHOOK_CLIENT_BY_SOURCE (a staging copy?): not applied`);
	}
	if (siteClient !== undefined && siteClient !== clientId) {
		return ignored(`signed by ${site}, client ${siteClient}'s site, but sent for client ${clientId}: not applied`);
	}
	const link = reference && read.problems.length === 0 ? { orderId, reference } : undefined;
	const base = {
		deliveryId,
		source: "woocommerce" as const,
		topic,
		clientId,
		orderId,
		...(reference ? { reference } : {}),
		...(paymentMethod !== undefined ? { paidWithFlexiti: true } : {}),
	};
	const problems = unusable(read);
	if (problems) {
		// Recorded on the order when the payload still says which one; else only answered and logged.
		return reference
			? {
					events: [
						{
							...base,
							key: `woo-noted:${deliveryId}`,
							type: "noted",
							verdict: { status: "refused", reason: problems },
						},
					],
				}
			: ignored(problems);
	}

	if (topic === "order.deleted") {
		// Topic headers are not signed: a deleted order's body is its id alone, or an order in the trash.
		if (status !== undefined && status !== "trash") return ignored("the order is not deleted");
		return { events: [{ ...base, key: `woo-deleted:${orderId}`, type: "cancelled" }], ...(link ? { link } : {}) };
	}
	if (topic !== "order.updated" && topic !== "order.created") {
		// order.restored and the like: recorded on the order when the payload names it, so it is seen.
		const reason = `topic ${topic} is not one the edge acts on: recorded only`;
		return reference
			? {
					events: [{ ...base, key: `woo-noted:${deliveryId}`, type: "noted", verdict: { status: "ignored", reason } }],
					...(link ? { link } : {}),
				}
			: ignored(`topic ${topic} is not handled`, link);
	}
	if (!reference) {
		return ignored(
			paymentMethod !== undefined
				? "paid with Flexiti, but the order has no meta flexiti_reference: the Flexiti gateway must store the checkout's reference on the order"
				: "not a Flexiti order (no meta flexiti_reference)",
		);
	}

	const events: ParsedEvent[] = [];
	// Completed: the whole order, as it is now (edited since it was authorized, perhaps): its `total`,
	// less the refunds Woo lists beside it.
	if (status === "completed") {
		// Woo lists refunds beside an unchanged total: the store's net is the total less them.
		const given = refunds.reduce((sum, refund) => sum + refund.amount, 0);
		const net = { amount: Math.max(0, (orderTotal ?? 0) - given) / 100, refunded: given > 0, flexitiAlone: true };
		const storeTotal = orderTotal === undefined ? {} : { storeTotal: net };
		events.push({ ...base, key: `woo-completed:${orderId}`, type: "fulfilled", ...storeTotal });
	}
	if (status === "cancelled") events.push({ ...base, key: `woo-cancelled:${orderId}`, type: "cancelled" });
	const listed = refunds.filter((r) => r.id !== undefined && r.amount > 0);
	for (const refund of listed) {
		events.push({ ...base, key: `woo-refund:${refund.id}`, type: "refunded", amount: refund.amount / 100 });
	}
	// "Refunded" with no refund lines listed: the whole order went back.
	if (status === "refunded" && listed.length === 0 && total > 0) {
		events.push({ ...base, key: `woo-refunded:${orderId}`, type: "refunded", amount: total / 100 });
	}
	if (events.length === 0) return ignored(`status ${status ?? "unknown"} moves no money`, link);
	if (currencies.length > 0) {
		// Each fact keeps its own key, so the refusal is recorded once however often the order is resent.
		const verdict = currencyRefusal(currencies);
		return { events: events.map((e) => ({ ...e, type: "noted" as const, verdict, amount: undefined })), link };
	}
	return { events, ...(link ? { link } : {}) };
}

/** The order meta `flexiti_reference` (no leading underscore), if well-formed. */
function metaReference(order: JsonObject, read: PayloadReader): string | undefined {
	const meta = read.objects(order.meta_data, "meta_data");
	const index = meta.findIndex((m) => m.key === "flexiti_reference");
	if (index < 0) return undefined;
	const path = `meta_data[${index}].value`;
	const raw = read.string(meta[index]?.value, path);
	if (raw === undefined) return undefined;
	const value = checkoutReference(raw);
	if (value === undefined) read.problems.push(`${path} is not a checkout reference (1 to 40 characters)`);
	return value;
}

/** The site that built the payload: WooCommerce's REST representation links to itself (`_links.self`). */
function signedSite(order: JsonObject, read: PayloadReader): string | undefined {
	const links = read.object(order._links, "_links");
	const self = read.objects(links?.self, "_links.self")[0];
	const href = read.string(self?.href, "_links.self[0].href");
	const index = href?.indexOf("/wp-json/") ?? -1;
	return href && index > 0 ? href.slice(0, index) : undefined;
}

function unusable(read: PayloadReader): string | undefined {
	return read.problems.length > 0 ? `unusable payload: ${read.summary()}` : undefined;
}
