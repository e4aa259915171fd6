/**
 * Signs and sends an order-system webhook to the edge, as Shopify, WooCommerce or a Standard
 * Webhooks sender would — for trying the ledger against `npm start`.
 *
 *   npm run webhook -- shopify orders/fulfilled <order id>
 *   npm run webhook -- shopify fulfillments/create <order id> <amount>
 *   npm run webhook -- shopify orders/cancelled <order id>
 *   npm run webhook -- shopify refunds/create <order id> <amount>
 *   npm run webhook -- woocommerce completed|cancelled <order id>
 *   npm run webhook -- standard order.fulfilled|order.cancelled <reference> [amount]
 *   npm run webhook -- standard order.refunded <reference> <amount>
 *
 * Secrets come from .dev.vars (else .dev.vars.example); EDGE_URL overrides http://127.0.0.1:8787.
 */
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { Webhook } from "standardwebhooks";

const [source, topic, reference, amount] = process.argv.slice(2);
if (!source || !topic || !reference) {
	console.error("usage: npm run webhook -- <shopify|woocommerce|standard> <topic> <order id or reference> [amount]");
	process.exit(2);
}
const settings = parseEnv(readFileSync(existsSync(".dev.vars") ? ".dev.vars" : ".dev.vars.example", "utf8"));
const firstSecret = (name: string) => (settings[name] ?? "").split(",")[0]?.trim() ?? "";
const edge = process.env.EDGE_URL ?? "http://127.0.0.1:8787";
const hmac = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("base64");

async function send(path: string, body: string, headers: Record<string, string>) {
	const response = await fetch(`${edge}${path}`, {
		method: "POST",
		headers: { "content-type": "application/json", ...headers },
		body,
	});
	console.log(`${response.status} ${await response.text()}`);
	if (!response.ok) process.exitCode = 1;
}

// Shopify's ids are 64-bit: written digit for digit (JSON.rawJSON), as Shopify sends them.
const id = /^\d{1,30}$/.test(reference)
	? (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(reference)
	: reference;
/** As a Flexiti order in Canadian dollars (SHOPIFY_FLEXITI_GATEWAYS, WOOCOMMERCE_FLEXITI_PAYMENT_METHODS). */
const flexitiOrder = { currency: "CAD", presentment_currency: "CAD", payment_gateway_names: ["flexiti"] };
if (source === "shopify") {
	const payloads: Record<string, unknown> = {
		"orders/fulfilled": {
			id,
			name: `#${reference}`,
			total_price: amount ?? "0.00",
			fulfillment_status: "fulfilled",
			note_attributes: [],
			...flexitiOrder,
		},
		"orders/cancelled": {
			id,
			name: `#${reference}`,
			cancelled_at: new Date().toISOString(),
			cancel_reason: "customer",
			note_attributes: [],
			...flexitiOrder,
		},
		"fulfillments/create": {
			id: Date.now(),
			order_id: id,
			status: "success",
			line_items: [
				{
					id: 1,
					title: "Shipped items",
					price: amount ?? "0.00",
					quantity: 1,
					tax_lines: [],
					discount_allocations: [],
				},
			],
		},
		"refunds/create": {
			id: Date.now(),
			order_id: id,
			transactions: [
				{ id: 1, kind: "refund", status: "success", amount: amount ?? "0.00", currency: "CAD", gateway: "flexiti" },
			],
		},
	};
	const body = JSON.stringify(payloads[topic] ?? {});
	await send("/v1/webhooks/shopify", body, {
		"x-shopify-topic": topic,
		"x-shopify-webhook-id": randomUUID(),
		"x-shopify-shop-domain": "flexiti-demo.myshopify.com",
		"x-shopify-hmac-sha256": hmac(firstSecret("SHOPIFY_WEBHOOK_SECRETS"), body),
	});
} else if (source === "woocommerce") {
	// The Flexiti gateway stores the checkout's reference as the order meta flexiti_reference.
	const body = JSON.stringify({
		id,
		status: topic,
		currency: "CAD",
		payment_method: "flexiti",
		total: amount ?? "0.00",
		refunds: [],
		meta_data: [{ key: "flexiti_reference", value: reference }],
	});
	await send("/v1/webhooks/woocommerce", body, {
		"x-wc-webhook-topic": "order.updated",
		"x-wc-webhook-delivery-id": String(Date.now()),
		"x-wc-webhook-source": "http://127.0.0.1:3000/",
		"x-wc-webhook-signature": hmac(firstSecret("WOOCOMMERCE_WEBHOOK_SECRETS"), body),
	});
} else if (source === "standard") {
	const messageId = `msg_${randomUUID()}`;
	const now = new Date();
	const data = { reference, ...(amount ? { amount: Number(amount) } : {}) };
	const body = JSON.stringify({ type: topic, timestamp: now.toISOString(), data });
	await send("/v1/webhooks/standard", body, {
		"webhook-id": messageId,
		"webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
		"webhook-signature": new Webhook(firstSecret("STANDARD_WEBHOOK_SECRETS")).sign(messageId, now, body),
	});
} else {
	console.error(`unknown source ${source}`);
	process.exit(2);
}
