/**
 * Order-system webhooks (spec/edge-api.yaml, tag Webhooks). For each source: content type and size,
 * then the signature, before anything is parsed or stored; then the payload becomes order events,
 * which the order's Durable Object stores (deduplicated) before we acknowledge — it applies them
 * right after, on its own alarm, so a slow Flexiti never makes the order system wait or resend.
 * Not `edgeOperation` routes, on purpose: a signature is over the raw bytes, so each receiver reads its
 * body itself (capped, `readLimited`) and checks the signature over those bytes before any JSON is
 * parsed; the body must then be UTF-8 without a byte order mark, as every request's (signed-json.ts), and
 * the Standard event is read as every request body is and checked against the spec by the same
 * `checkEdgeRequest`, reaching its handler typed.
 */
import { type Context, Hono } from "hono";
import type { components } from "../../../../generated/edge-api.ts";
import { jsonMediaTypeProblem } from "../../../contract/json-media-type.ts";
import { type EdgeConfig, edgeConfig, type WebhookSecret } from "../../core/config.ts";
import type { EdgeEnv } from "../../core/context.ts";
import { EdgeError } from "../../core/errors.ts";
import { errorName } from "../../core/redact.ts";
import type { Order } from "../../orders/order.ts";
import type { OrderEvent } from "../../orders/order-event.ts";
import { orderByReference, orderLink } from "../../orders/order-stubs.ts";
import { MAX_UNLINKED_EVENTS, type UnlinkedEvent } from "../../orders/unlinked-events.ts";
import { checkEdgeRequest } from "../edge-operation.ts";
import type { ParsedDelivery } from "./parsed-delivery.ts";
import { shopifyEvents } from "./shopify.ts";
import { parseSignedEvent, parseSignedJson, signedText } from "./signed-json.ts";
import { standardEvents, verifyStandardWebhook } from "./standard.ts";
import { verifyHmacBase64 } from "./verify-hmac.ts";
import { wooCommerceEvents } from "./woocommerce.ts";

type WebhookReceipt = components["schemas"]["WebhookReceipt"];

/** Order payloads are a few KiB; anything this large is not one. */
export const MAX_WEBHOOK_BYTES = 512 * 1024;

export const webhookRoutes = new Hono<EdgeEnv>();

/**
 * A source that signs with base64(HMAC-SHA256(raw body)) — Shopify and WooCommerce: the same checks in
 * the same order, then the source's own reading of its payload.
 */
function hmacSignedWebhook(source: {
	/** The platform, as a reader knows it (for messages). */
	name: string;
	secrets: (config: EdgeConfig) => readonly WebhookSecret[];
	setting: string;
	signatureHeader: string;
	/** The source's header that names the shop or site, for WEBHOOK_CLIENT_BY_SOURCE. */
	sourceHeader: string;
	source: "shopify" | "woocommerce";
	events: (c: Context<EdgeEnv>, payload: unknown, clientId: string) => ParsedDelivery;
	/**
	 * What an order id is unique within: Shopify's ids are unique across shops (Inferred: Shopify
	 * documents them as the resource's global id, `admin_graphql_api_id`); WooCommerce's only within
	 * its site, which a clone reports honestly in its own source header.
	 */
	orderIdScope: (c: Context<EdgeEnv>) => string;
	/** Whether a checkout may have been opened with the order id itself as its reference (Shopify). */
	orderIdIsReference: boolean;
}) {
	return async (c: Context<EdgeEnv>) => {
		const secrets = source.secrets(edgeConfig(c.env));
		const body = await readSigned(c, secrets, source.setting);
		const signature = c.req.header(source.signatureHeader);
		// "Does not match" sends people to their secrets; a missing header means the sender signs nothing.
		if (!signature) throw new EdgeError("invalid_signature", missingSignature(source.signatureHeader, source.name));
		const signer = await verifyHmacBase64(body, signature, secrets);
		if (!signer) throw new EdgeError("invalid_signature", `${source.signatureHeader} does not match the body`);
		const payload = parseSignedJson(signedText(body));
		if (payload === undefined) throw new EdgeError("invalid_json", "The body is not JSON");
		// A client's own secret decides the client; the unsigned shop header only where secrets are shared.
		const clientId = signer.clientId ?? clientFor(c, c.req.header(source.sourceHeader)?.replace(/\/$/, ""));
		let parsed: ParsedDelivery;
		try {
			parsed = source.events(c, payload, clientId);
		} catch (error) {
			// The parsers read defensively (payload-reader.ts); should one still throw, a signed delivery is
			// answered so that the sender does not retry it forever, and the reason is logged.
			parsed = { events: [], ignored: `unreadable payload (${errorName(error)})` };
		}
		const scope = source.orderIdScope(c);
		// The link this payload teaches is written beside its events, not before them: both are stored
		// before the answer (a failure of either is a 500, and the sender's retry is deduplicated), but
		// the ack waits for one round trip instead of two in a row. The payload's own events carry its
		// reference, so none of them needs the link being written.
		const { link } = parsed;
		const linkOf = (orderId: string) => orderLink(c.env, clientId, source.source, scope, orderId);
		const linking = link && linkOf(link.orderId).linkTo(link.reference);
		const delivering = (async () => {
			const { orderIdIsReference } = source;
			const store = { source: source.source, scope };
			const { events, unlinked } = await attribute(parsed, store, linkOf, orderIdIsReference);
			return deliver(c, source.source, events, parsed.ignored, { events: unlinked, link: linkOf, orderIdIsReference });
		})();
		const [answer] = await Promise.all([delivering, linking]);
		return answer;
	};
}

/**
 * Ties each parsed event to its order: the reference the signed payload carries, else the one linked
 * to its order id (learned from an earlier payload that carried both), else — for Shopify only — the
 * order id itself (a checkout opened with the Shopify order id as its reference). Events whose payload
 * never names the checkout wait by order id instead (`deliver`): a fulfillment or refund can come
 * before the order payload that does.
 */
async function attribute(
	parsed: ParsedDelivery,
	store: { source: "shopify" | "woocommerce"; scope: string },
	linkOf: (orderId: string) => DurableObjectStub<Order>,
	orderIdIsReference: boolean,
): Promise<{ events: OrderEvent[]; unlinked: Map<string, UnlinkedEvent[]> }> {
	const { source, scope } = store;
	const linked = new Map<string, string | undefined>();
	const events: OrderEvent[] = [];
	const unlinked = new Map<string, UnlinkedEvent[]>();
	for (const { orderId, reference, waitsForLink, ...read } of parsed.events) {
		// The store's order it is about: an order takes events of one store order only (platform-order.ts).
		const event = orderId === undefined ? read : { ...read, platformOrder: { source, scope, id: orderId } };
		let resolved = reference;
		if (resolved === undefined && orderId !== undefined) {
			if (!linked.has(orderId)) linked.set(orderId, await linkOf(orderId).linkedReference());
			resolved = linked.get(orderId);
			if (resolved === undefined && waitsForLink) unlinked.set(orderId, [...(unlinked.get(orderId) ?? []), event]);
			// An order payload without the note attribute: a checkout opened with the order id as its reference.
			else if (resolved === undefined && orderIdIsReference) resolved = orderId;
		}
		if (resolved !== undefined) events.push({ ...event, reference: resolved });
	}
	return { events, unlinked };
}

webhookRoutes.post(
	"/shopify",
	hmacSignedWebhook({
		name: "Shopify",
		secrets: (config) => config.webhookSecrets.shopify,
		setting: "SHOPIFY_WEBHOOK_SECRETS",
		signatureHeader: "x-shopify-hmac-sha256",
		sourceHeader: "x-shopify-shop-domain",
		source: "shopify",
		orderIdScope: () => "",
		orderIdIsReference: true,
		events: (c, payload, clientId) =>
			shopifyEvents({
				topic: c.req.header("x-shopify-topic") ?? "",
				webhookId: c.req.header("x-shopify-webhook-id") ?? c.req.header("x-shopify-event-id") ?? crypto.randomUUID(),
				clientId,
				payload,
				gateways: edgeConfig(c.env).flexitiPaymentMethods.shopify,
			}),
	}),
);

webhookRoutes.post(
	"/woocommerce",
	// WooCommerce pings a new webhook with an unsigned `webhook_id=…` form; it must get a 200. WordPress
	// sends it form-encoded, but its ping sets no content type itself (WC_Webhook::deliver_ping), so a
	// ping without one is accepted too — here only: every other delivery must say application/json.
	async (c, next) => {
		const type = c.req.header("content-type");
		if (type !== undefined && !type.startsWith("application/x-www-form-urlencoded")) return next();
		const form = await readLimited(c.req.raw);
		if (form instanceof ArrayBuffer && /^webhook_id=\d+$/.test(new TextDecoder().decode(form).trim())) {
			return c.json({ received: 0, duplicates: 0, ignored: "ping" } satisfies WebhookReceipt);
		}
		throw new EdgeError("unsupported_content_type", "Order webhooks must be application/json");
	},
	hmacSignedWebhook({
		name: "WooCommerce",
		secrets: (config) => config.webhookSecrets.woocommerce,
		setting: "WOOCOMMERCE_WEBHOOK_SECRETS",
		signatureHeader: "x-wc-webhook-signature",
		sourceHeader: "x-wc-webhook-source",
		source: "woocommerce",
		orderIdScope: (c) => (c.req.header("x-wc-webhook-source") ?? "").replace(/\/$/, ""),
		orderIdIsReference: false,
		events: (c, payload, clientId) =>
			wooCommerceEvents({
				topic: c.req.header("x-wc-webhook-topic") ?? "",
				deliveryId: c.req.header("x-wc-webhook-delivery-id") ?? crypto.randomUUID(),
				clientId,
				payload,
				paymentMethods: edgeConfig(c.env).flexitiPaymentMethods.woocommerce,
				sites: wooSites(edgeConfig(c.env)),
			}),
	}),
);

/** The Standard Webhooks operation has no query parameters (the validator only reads this). */
const NO_QUERY = new URLSearchParams();

webhookRoutes.post("/standard", async (c) => {
	const secrets = edgeConfig(c.env).webhookSecrets.standard;
	const body = await readSigned(c, secrets, "STANDARD_WEBHOOK_SECRETS");
	// The library signs text: this text, its byte order mark kept, is the bytes as they came (a sender
	// that signed bytes which are no UTF-8 signed them as this text too), so a body the sender signed
	// verifies, and is then refused for what it is rather than for its signature.
	const received = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(body);
	const verification = verifyStandardWebhook(received, c.req.raw.headers, secrets);
	if (!verification.ok) throw new EdgeError("invalid_signature", `Standard Webhooks: ${verification.reason}`);
	const payload = parseSignedEvent(signedText(body));
	const checked = checkEdgeRequest(
		"receiveStandardWebhook",
		{ path: {}, query: NO_QUERY, headers: c.req.raw.headers, body: payload },
		// The edge's own vocabulary: a property it does not name is refused by name, so that a mistyped
		// `amout` is a 400 the sender sees, not an event applied without it (a capture of the whole amount).
		{ closed: true },
	);
	if (!checked.ok) {
		throw new EdgeError("wrong_inputs", "The event breaks the schema", {
			status: 400,
			fieldErrors: checked.fieldErrors,
		});
	}
	const event = checked.request.body;
	const bound = verification.secret.clientId;
	if (bound && event.data.client_id !== undefined && event.data.client_id !== bound) {
		throw new EdgeError("client_mismatch", "This secret signs events for another Flexiti client");
	}
	const clientId = bound ?? event.data.client_id ?? edgeConfig(c.env).clientIds[0] ?? "";
	return deliver(c, "standard", standardEvents(c.req.header("webhook-id") ?? "", event, clientId));
});

/** What to say when a webhook comes without its signature header. */
function missingSignature(header: string, platform: string): string {
	return `The ${header} header is missing: ${platform} signs every webhook with it. Send webhooks from the store itself (or a signed one from npm run webhook)`;
}

/**
 * The raw body of a signed webhook, once the source is configured, the content type is JSON and the
 * size is within bounds — or the edge error that says which of these failed.
 */
async function readSigned(
	c: Context<EdgeEnv>,
	secrets: readonly WebhookSecret[],
	setting: string,
): Promise<ArrayBuffer> {
	if (secrets.length === 0) throw new EdgeError("webhook_source_not_configured", `${setting} is not set`);
	// The edge's one JSON media-type rule (any letter case, charset=utf-8 at most), as on every other route.
	const mediaTypeProblem = jsonMediaTypeProblem(c.req.header("content-type"));
	if (mediaTypeProblem) {
		throw new EdgeError("unsupported_content_type", `Order webhooks must be JSON: Content-Type ${mediaTypeProblem}`);
	}
	const body = await readLimited(c.req.raw);
	if (body === "too_large")
		throw new EdgeError("payload_too_large", `Webhooks are limited to ${MAX_WEBHOOK_BYTES} bytes`);
	return body;
}

/** Reads at most MAX_WEBHOOK_BYTES, without buffering a larger body whole. */
async function readLimited(request: Request): Promise<ArrayBuffer | "too_large"> {
	const length = request.headers.get("content-length");
	const declared = length === null ? undefined : Number(length);
	if (declared !== undefined && declared > MAX_WEBHOOK_BYTES) return "too_large";
	if (declared !== undefined && Number.isSafeInteger(declared)) {
		// A declared length within bounds: the runtime's HTTP framing ends the body there, so it is read
		// whole in one native call (reading it chunk by chunk was about 5 % of a profiled ack's samples).
		// The size is still checked, for a request built in the Worker rather than received.
		const body = await request.arrayBuffer();
		return body.byteLength > MAX_WEBHOOK_BYTES ? "too_large" : body;
	}
	// Chunked (no declared length): counted as it arrives, refused as soon as it is too large.
	const chunks: Uint8Array[] = [];
	let size = 0;
	const reader = request.body?.getReader();
	for (;;) {
		const next = await reader?.read();
		if (!next || next.done) break;
		size += next.value.byteLength;
		if (size > MAX_WEBHOOK_BYTES) {
			await reader?.cancel();
			return "too_large";
		}
		chunks.push(next.value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return body.buffer;
}

/** The WooCommerce sites WEBHOOK_CLIENT_BY_SOURCE names (its keys that are URLs), with their clients. */
function wooSites(config: EdgeConfig): Map<string, string> {
	return new Map(
		[...config.webhookClientBySource]
			.filter(([key]) => /^https?:\/\//.test(key))
			.map(([key, clientId]) => [key.replace(/\/$/, ""), clientId]),
	);
}

/** The Flexiti client a shop or site is for (WEBHOOK_CLIENT_BY_SOURCE), else the first configured one. */
function clientFor(c: Context<EdgeEnv>, source: string | undefined): string {
	const config = edgeConfig(c.env);
	return (source ? config.webhookClientBySource.get(source) : undefined) ?? config.clientIds[0] ?? "";
}

/** A delivery's events whose platform order id no payload has tied to a checkout yet (see attribute). */
interface UnlinkedDelivery {
	events: Map<string, UnlinkedEvent[]>;
	link: (orderId: string) => DurableObjectStub<Order>;
	/** Shopify: a checkout may have been opened with the order id itself as its reference. */
	orderIdIsReference: boolean;
}

/** What the orders said of a delivery's events, added up for the answer. */
interface Tally {
	received: number;
	duplicates: number;
	held: number;
	unknown: number;
	/** Events of an order id that already holds as many as it may (unlinked-events.ts). */
	full: number;
	accepted: string[];
}

/**
 * Hands each order its events, and the link of each order id not yet tied to a checkout the events
 * that wait for it (orders/unlinked-events.ts); answers once all are stored. A delivery that reaches
 * no order is answered 200 with the reason (so the sender does not retry it forever) and logged as one
 * line per source (`webhook_not_recorded`: Workers Logs keeps it), without the payload.
 */
async function deliver(
	c: Context<EdgeEnv>,
	source: OrderEvent["source"],
	events: OrderEvent[],
	ignored?: string,
	unlinked?: UnlinkedDelivery,
): Promise<Response> {
	const log = c.get("log");
	log.operation = "receiveWebhook";
	if (events.length === 0 && !unlinked?.events.size) {
		const reason = ignored ?? "not a Flexiti order (its checkout reference is not in the payload)";
		notRecorded(c, source, reason);
		return c.json({ received: 0, duplicates: 0, ignored: reason } satisfies WebhookReceipt);
	}
	const tally: Tally = { received: 0, duplicates: 0, held: 0, unknown: 0, full: 0, accepted: [] };
	const byOrder = new Map<string, OrderEvent[]>();
	for (const event of events) {
		const key = JSON.stringify([event.clientId, event.reference]);
		byOrder.set(key, [...(byOrder.get(key) ?? []), event]);
	}
	for (const orderEvents of byOrder.values()) {
		const [first] = orderEvents;
		if (first && !(await receiveAt(c, first.clientId, first.reference, orderEvents, tally))) {
			tally.unknown += orderEvents.length;
		}
	}
	for (const [orderId, waiting] of unlinked?.events ?? []) {
		const [first] = waiting;
		if (!first || !unlinked) continue;
		const asReference = waiting.map((event) => ({ ...event, reference: orderId }));
		if (unlinked.orderIdIsReference && (await receiveAt(c, first.clientId, orderId, asReference, tally))) continue;
		const hold = await unlinked.link(orderId).holdUntilLinked(waiting);
		if ("linked" in hold) {
			const linked = waiting.map((event) => ({ ...event, reference: hold.linked }));
			if (!(await receiveAt(c, first.clientId, hold.linked, linked, tally))) tally.unknown += waiting.length;
		} else if ("full" in hold) {
			tally.full += waiting.length;
		} else {
			tally.held += hold.held;
			tally.duplicates += hold.duplicates;
		}
	}
	const reasons = [
		...(tally.unknown > 0 ? ["not a Flexiti order (no checkout or authorization for its reference)"] : []),
		...(tally.full > 0
			? [`its order already holds ${MAX_UNLINKED_EVENTS} events waiting for the order's own payload: not recorded`]
			: []),
	];
	const ignoredReason = reasons.join("; ");
	if (ignoredReason) notRecorded(c, source, ignoredReason);
	return c.json({
		received: tally.received,
		duplicates: tally.duplicates,
		...(tally.held > 0 ? { held: tally.held } : {}),
		...(ignoredReason ? { ignored: ignoredReason } : {}),
		events: tally.accepted,
	} satisfies WebhookReceipt);
}

/** One order's events to its Durable Object; false when the edge knows no such order. */
async function receiveAt(
	c: Context<EdgeEnv>,
	clientId: string,
	reference: string,
	events: OrderEvent[],
	tally: Tally,
): Promise<boolean> {
	const result = await orderByReference(c.env, clientId, reference).order.receive(events);
	if (!result.known) return false;
	tally.received += result.accepted.length;
	tally.duplicates += result.duplicates;
	tally.accepted.push(...result.accepted);
	return true;
}

function notRecorded(c: Context<EdgeEnv>, source: OrderEvent["source"], reason: string): void {
	const topic = c.req.header("x-shopify-topic") ?? c.req.header("x-wc-webhook-topic") ?? "";
	console.log(JSON.stringify({ event: "webhook_not_recorded", source, topic, reason }));
}
