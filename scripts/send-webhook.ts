/**
 * Signs and sends an order-system webhook to the edge, as Shopify, WooCommerce or a Standard
 * Webhooks sender would — for trying the ledger against `npm start`.
 *
 *   npm run webhook -- shopify orders/fulfilled <order id>
 *
 * Without arguments it prints every source and topic, and an example.
 * Secrets come from .dev.vars (else .dev.vars.example); EDGE_URL overrides http://127.0.0.1:8787.
 */
import { createHmac, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { Webhook } from "standardwebhooks";

/** What each source can send, with its arguments: printed when the command is called without them. */
const TOPICS = {
	shopify: {
		"orders/fulfilled": "<order id> [total]",
		"fulfillments/create": "<order id> <amount>",
		"orders/cancelled": "<order id>",
		"refunds/create": "<order id> <amount>",
	},
	woocommerce: { completed: "<order id> [total]", cancelled: "<order id>" },
	standard: {
		"order.fulfilled": "<reference> [amount]",
		"order.cancelled": "<reference>",
		"order.refunded": "<reference> <amount>",
	},
} as const satisfies Record<string, Record<string, string>>;

function usage(problem?: string): never {
	const lines = Object.entries(TOPICS).flatMap(([name, topics]) =>
		Object.entries(topics).map(([topic, args], index) => `  ${(index === 0 ? name : "").padEnd(12)} ${topic} ${args}`),
	);
	console.error(
		[
			...(problem ? [problem, ""] : []),
			"usage: npm run webhook -- <source> <topic> <order id or reference> [amount]",
			"",
			"Signs an order-system webhook with the local secret (.dev.vars) and sends it to the edge",
			"(EDGE_URL, default http://127.0.0.1:8787). Sources and topics:",
			"",
			...lines,
			"",
			"example, once order 1001 is authorized through the edge with reference 1001 (README, Order-system webhooks):",
			"  npm run webhook -- shopify orders/fulfilled 1001",
		].join("\n"),
	);
	process.exit(2);
}

const [source, topic, reference, amount] = process.argv.slice(2);
if (!source || !topic || !reference) usage();
if (!Object.hasOwn(TOPICS, source)) usage(`unknown source ${source}`);
const topics: Record<string, string> = TOPICS[source as keyof typeof TOPICS];
if (!Object.hasOwn(topics, topic)) usage(`${source} has no topic ${topic}`);
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
	const body = JSON.stringify(payloads[topic]);
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
		// Without a total the edge captures what remains (a total of 0.00 would capture nothing and release all).
		...(amount !== undefined ? { total: amount } : {}),
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
}
