/** Signing order-system webhooks as Shopify, WooCommerce and Standard Webhooks senders do. */
import { Webhook } from "standardwebhooks";
import { localSettings } from "../support/local-settings.ts";
import { advance, alarmAt, orderOf, settle } from "./alarms.ts";
import { CLIENT_ID, EDGE, edgeApi, edgeFetch, flexitiViaEdge, MERCHANT_KEY } from "./support.ts";

const settings = localSettings();
export const SHOPIFY_SECRET = (settings.SHOPIFY_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "";
export const SHOPIFY_ROTATED_SECRET = (settings.SHOPIFY_WEBHOOK_SECRETS ?? "").split(",")[1] ?? "";
export const WOO_SECRET = settings.WOOCOMMERCE_WEBHOOK_SECRETS ?? "";
export const STANDARD_SECRET = (settings.STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "";
export const STANDARD_ROTATED_SECRET = (settings.STANDARD_WEBHOOK_SECRETS ?? "").split(",")[1] ?? "";

export async function hmacBase64(secret: string, body: string | Uint8Array): Promise<string> {
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
	const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
	return btoa(String.fromCharCode(...signature));
}

export async function shopifyWebhook(
	topic: string,
	payload: unknown,
	options: {
		webhookId?: string;
		secret?: string;
		signature?: string;
		contentType?: string;
		/** The bytes sent (and signed) instead of the payload's JSON. */
		raw?: Uint8Array;
	} = {},
) {
	const body = options.raw ?? JSON.stringify(payload);
	return edgeFetch(
		new Request(`${EDGE}/v1/webhooks/shopify`, {
			method: "POST",
			headers: {
				"content-type": options.contentType ?? "application/json",
				"x-shopify-topic": topic,
				"x-shopify-webhook-id": options.webhookId ?? crypto.randomUUID(),
				"x-shopify-shop-domain": "flexiti-demo.myshopify.com",
				"x-shopify-hmac-sha256": options.signature ?? (await hmacBase64(options.secret ?? SHOPIFY_SECRET, body)),
			},
			body,
		}),
	);
}

export async function wooWebhook(
	topic: string,
	payload: unknown,
	options: {
		deliveryId?: string;
		secret?: string;
		source?: string;
		/** The bytes sent (and signed) instead of the payload's JSON. */
		raw?: Uint8Array;
	} = {},
) {
	const body = options.raw ?? JSON.stringify(payload);
	return edgeFetch(
		new Request(`${EDGE}/v1/webhooks/woocommerce`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"x-wc-webhook-topic": topic,
				"x-wc-webhook-delivery-id": options.deliveryId ?? String(Math.floor(Math.random() * 1e9)),
				"x-wc-webhook-source": options.source ?? "https://shop.example/",
				"x-wc-webhook-signature": await hmacBase64(options.secret ?? WOO_SECRET, body),
			},
			body,
		}),
	);
}

/** Signed by the `standardwebhooks` library itself, as a sender using it would. */
export async function standardWebhook(
	type: "order.fulfilled" | "order.cancelled" | "order.refunded",
	data: Record<string, unknown>,
	options: { id?: string; secret?: string; at?: Date } = {},
) {
	const at = options.at ?? new Date();
	return signedStandardBody(JSON.stringify({ type, timestamp: at.toISOString(), data }), { ...options, at });
}

/**
 * Any body (JSON or not) signed by the `standardwebhooks` library and sent to the edge's receiver. Bytes
 * are signed as the library signs a Node Buffer: as their UTF-8 text (a byte order mark kept, a broken
 * sequence read as U+FFFD), since the library signs text.
 */
export async function signedStandardBody(
	body: string | Uint8Array,
	options: { id?: string; secret?: string; at?: Date } = {},
) {
	const id = options.id ?? `msg_${crypto.randomUUID()}`;
	const at = options.at ?? new Date();
	const text =
		typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(body);
	const signature = new Webhook(options.secret ?? STANDARD_SECRET).sign(id, at, text);
	return edgeFetch(
		new Request(`${EDGE}/v1/webhooks/standard`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"webhook-id": id,
				"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
				"webhook-signature": signature,
			},
			body,
		}),
	);
}

/**
 * A merchant's in-store authorization under `reference` (PIN from the security question), verified and
 * ready to send: the sender answers as the edge does (a refusal is not thrown), and may be sent again.
 */
export async function merchantAuthorization(
	reference: string,
	amount: number,
	options: {
		promotional?: boolean;
		client_id?: string;
		account_number?: number;
		/** The promotional plan asked for (default plan 4 over 3 months). */
		plan?: { plan_id: number; term?: number };
		/** Captured at once, as a till sale is (default false). */
		auto_capture?: boolean;
	} = {},
) {
	const { promotional = true, client_id = CLIENT_ID, account_number = 10000000000001, auto_capture = false } = options;
	const plan = options.plan ?? { plan_id: 4, term: 3 };
	const merchant = flexitiViaEdge(MERCHANT_KEY);
	const request_id = crypto.randomUUID();
	const verify = await merchant.POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
		params: { path: { client_id, account_number } },
		body: { format: "security_question", security_qid: 7, security_answer: "maple", request_id },
	});
	const body = {
		account_number,
		financing_option: promotional
			? { transaction_type: "promotional_purchase" as const, ...plan }
			: { transaction_type: "regular_purchase" as const },
		amount,
		auto_capture,
		reference,
		verification_code: verify.data?.verification_code ?? 0,
		request_id,
	};
	return () => merchant.POST("/v2.5.1/client-id/{client_id}/authorization", { params: { path: { client_id } }, body });
}

/**
 * An order the edge knows: an in-store authorization (PIN from the security question) made through
 * the edge with the order's reference, which opens the order's ledger.
 */
export async function authorizedOrder(
	reference: string,
	amount: number,
	promotional = true,
	client_id: string = CLIENT_ID,
) {
	const { data, error } = await (await merchantAuthorization(reference, amount, { promotional, client_id }))();
	if (!data) throw new Error(`authorization failed: ${JSON.stringify(error)}`);
	return data;
}

export type LedgerView = NonNullable<Awaited<ReturnType<typeof readLedger>>>;

export async function readLedger(reference: string) {
	const { data } = await edgeApi(MERCHANT_KEY).GET("/v1/orders/{reference}", { params: { path: { reference } } });
	return data;
}

/**
 * The ledger once every event has settled (applied, refused, held or dead-lettered): the order's alarm
 * run to its end and, while an event waits for a retry, its clock moved to the alarm (a few times at
 * most: WEBHOOK_MAX_ATTEMPTS is 3 in the tests), never slept to. Each wake-up is whatever the order set
 * its alarm for (a delivery's retry may come first); in the edge project retries are 20 ms apart, so one
 * may be going off by itself as the test looks (its alarm then reads as unset): settling joins that run.
 */
export async function settledLedger(reference: string): Promise<LedgerView> {
	const order = orderOf(reference);
	await settle(order);
	for (let wakeUps = 0; ; wakeUps++) {
		const ledger = await readLedger(reference);
		if (!ledger) throw new Error(`no ledger for ${reference}`);
		if (!ledger.events.some((e) => e.status === "pending" || e.status === "retrying")) return ledger;
		if (wakeUps === 20) throw new Error(`the events of ${reference} still wait after 20 wake-ups`);
		const at = await alarmAt(order);
		if (at === null) await settle(order);
		else await advance(order, at - Date.now());
	}
}
