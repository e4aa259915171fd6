/**
 * Real stores, as the platforms publish their payloads (test/fixtures/platforms/README.md says where
 * each comes from): identity from what is signed and what the edge issued, 64-bit ids, Flexiti's
 * gateways and payment methods only, CAD only, shipments and their shipping, returns past the window,
 * cancels that come first, pings, and topics that move no money — each recorded where a merchant looks.
 */
import { env, evictAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Order } from "../../functions/edge/orders/order.ts";
import { orderLink } from "../../functions/edge/orders/order-stubs.ts";
import { heldUnlinked, UNLINKED_HOLD_MS } from "../../functions/edge/orders/unlinked-events.ts";
import {
	bigId,
	type Json,
	shopifyBigId,
	shopifySampleFulfillment,
	shopifySampleOrder,
	shopifySampleRefund,
	wooSampleOrder,
} from "../fixtures/platform-payloads.ts";
import { advance } from "./alarms.ts";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";
import {
	authorizedOrder,
	readLedger,
	settledLedger,
	shopifyWebhook,
	standardWebhook,
	wooWebhook,
} from "./webhooks-support.ts";

beforeEach(resetSandbox);

const ok = async (calls: Promise<{ status: number }[]>) => (await calls).filter((c) => c.status === 200);
const flexitiNote = (reference: string) => [{ name: "flexiti_reference", value: reference }];
let wooNext = 700 + Math.floor(Math.random() * 1e6);
const wooId = () => (wooNext += 1);

describe("identity: what is signed and what the edge issued", () => {
	it("a staging copy of a WooCommerce shop (same secret, same order number) moves none of this shop's money", async () => {
		const id = wooId();
		// Production's order #id was paid with Flexiti: its checkout reference is in its meta.
		await authorizedOrder(`WC-${id}`, 120);
		await wooWebhook("order.updated", wooSampleOrder(id, `WC-${id}`, { status: "processing" }));
		// The staging copy's own order #id is cancelled there: no flexiti_reference, another site.
		const staging = wooSampleOrder(id, undefined, { status: "cancelled", site: "https://staging.shop.example" });
		const response = await wooWebhook("order.updated", staging, { source: "https://staging.shop.example/" });
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ received: 0, ignored: expect.stringContaining("flexiti_reference") });
		// Nor is the order number itself a reference any more.
		await authorizedOrder(String(id), 50);
		await wooWebhook("order.updated", staging, { source: "https://staging.shop.example/" });
		expect((await settledLedger(`WC-${id}`)).released).toBe(0);
		expect((await settledLedger(String(id))).released).toBe(0);
		expect(await sandboxCalls("releaseAuthorization")).toEqual([]);
	});

	it("a WooCommerce deletion ({id} only) finds its order through its own site's earlier payload; a clone's does not", async () => {
		const id = wooId();
		await authorizedOrder(`WC-${id}`, 60);
		await wooWebhook("order.created", wooSampleOrder(id, `WC-${id}`, { status: "processing" }));
		// The staging copy deletes its own order #id: same number, its own site in the (unsigned) source header.
		const clone = await wooWebhook("order.deleted", { id }, { source: "https://staging.shop.example/" });
		expect(await clone.json()).toMatchObject({ received: 0 });
		expect((await settledLedger(`WC-${id}`)).released).toBe(0);
		const deleted = await wooWebhook("order.deleted", { id });
		expect(await deleted.json()).toMatchObject({ received: 1 });
		expect((await settledLedger(`WC-${id}`)).released).toBe(60);
	});

	it("an order paid otherwise (Woo payment_method, Shopify gateways) never touches a ledger", async () => {
		const id = wooId();
		await authorizedOrder(`WC-${id}`, 80);
		const bacs = wooSampleOrder(id, `WC-${id}`, { status: "cancelled", payment_method: "bacs" });
		expect(await (await wooWebhook("order.updated", bacs)).json()).toMatchObject({
			received: 0,
			ignored: expect.stringContaining("not paid with Flexiti"),
		});
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 90);
		// Shopify's sample cancelled order as it is: paid with the "visa" and "bogus" gateways.
		const sample = shopifySampleOrder(orderId, {
			payment_gateway_names: ["visa", "bogus"],
			cancelled_at: "2026-11-25T09:00:00-05:00",
		});
		expect(await (await shopifyWebhook("orders/cancelled", sample)).json()).toMatchObject({
			received: 0,
			ignored: expect.stringContaining("not paid with Flexiti"),
		});
		expect((await readLedger(`WC-${id}`))?.events).toEqual([]);
		expect((await readLedger(orderId))?.events).toEqual([]);
		expect(await sandboxCalls("releaseAuthorization")).toEqual([]);
	});

	it("Shopify's 64-bit ids are read without loss: the order matches, and two refunds a double cannot tell apart are two", async () => {
		const orderId = "820982911946154508"; // Shopify's sample order id, beyond 2^53
		const reference = `${orderId.slice(0, 12)}${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
		await authorizedOrder(reference, 300);
		const fulfilled = await shopifyWebhook(
			"orders/fulfilled",
			shopifySampleOrder(reference, { fulfillment_status: "fulfilled" }),
		);
		expect(await fulfilled.json()).toMatchObject({ received: 1 });
		// 890088186047892319 and …320 are the same double: both are refunds, and each counts once.
		const first = shopifySampleRefund("890088186047892319", reference, "10.00");
		const second = shopifySampleRefund("890088186047892320", reference, "15.00");
		await shopifyWebhook("refunds/create", first);
		await shopifyWebhook("refunds/create", second);
		expect(await (await shopifyWebhook("refunds/create", first)).json()).toMatchObject({ duplicates: 1 });
		const ledger = await settledLedger(reference);
		expect(ledger.captured).toBe(300);
		expect(ledger.refunds.map((r) => r.amount).sort()).toEqual([10, 15]);
	});

	it("a 64-bit id is the same id however its JSON spells it (…319.0, 8.90088186047892319e17): the order matches, the refund counts once", async () => {
		const reference = `820982911946${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
		await authorizedOrder(reference, 300);
		await shopifyWebhook("orders/fulfilled", shopifySampleOrder(reference, { fulfillment_status: "fulfilled" }));
		// JSON Schema 2020-12 calls a number with a zero fractional part an integer, in any of these spellings.
		const spellings = (digits: string) => [
			digits,
			`${digits}.0`,
			`${digits[0]}.${digits.slice(1)}e${digits.length - 1}`,
			`${digits}0e-1`,
		];
		const refundId = "890088186047892319";
		const refunds = spellings(refundId).map((id, i) => {
			const order = bigId(spellings(reference)[(i + 2) % 4] ?? reference);
			const refund = shopifySampleRefund(refundId, reference, "10.00");
			const [transaction] = refund.transactions as Json[];
			return { ...refund, id: bigId(id), order_id: order, transactions: [{ ...transaction, order_id: order }] };
		});
		const answers = [];
		for (const refund of refunds) answers.push(await (await shopifyWebhook("refunds/create", refund)).json());
		expect(answers).toEqual([
			expect.objectContaining({ received: 1, duplicates: 0 }),
			...Array(3).fill(expect.objectContaining({ received: 0, duplicates: 1 })),
		]);
		const ledger = await settledLedger(reference);
		expect(ledger.captured).toBe(300);
		expect(ledger.refunds.map((r) => r.amount)).toEqual([10]);
	});
});

describe("money in Canadian dollars only", () => {
	it("a USD order is refused and recorded, never sent to Flexiti", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 200);
		const usd = shopifySampleOrder(orderId, {
			fulfillment_status: "fulfilled",
			currency: "USD",
			presentment_currency: "USD",
		});
		expect((await shopifyWebhook("orders/fulfilled", usd)).status).toBe(200);
		const id = wooId();
		await authorizedOrder(`WC-${id}`, 100);
		await wooWebhook("order.updated", wooSampleOrder(id, `WC-${id}`, { status: "completed", currency: "USD" }));
		for (const reference of [orderId, `WC-${id}`]) {
			const ledger = await settledLedger(reference);
			expect(ledger.events.map((e) => [e.status, e.outcome])).toEqual([
				["refused", expect.stringContaining("currency_not_cad")],
			]);
			expect(ledger.captured).toBe(0);
			// Told, and listed as needing attention (found by an outside probe: neither, and "refused by Flexiti").
			expect(ledger.merchant_events.map((e) => e.type)).toContain("order.event_refused");
			expect(await attentionReasons(reference)).toEqual(["1 order event(s) refused"]);
		}
		expect(await sandboxCalls("captureAuthorization")).toEqual([]);
	});
});

describe("Shopify refunds and the gateway setting", () => {
	it("a refund through a gateway that is not in SHOPIFY_FLEXITI_GATEWAYS needs the merchant's attention, not a silent 200", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 100);
		await shopifyWebhook("orders/fulfilled", shopifySampleOrder(orderId, { fulfillment_status: "fulfilled" }));
		const refund = shopifySampleRefund(shopifyBigId(), orderId, "20.00", { gateway: "Monthly payments" });
		expect(await (await shopifyWebhook("refunds/create", refund)).json()).toMatchObject({ received: 1 });
		const ledger = await settledLedger(orderId);
		expect(ledger.events.at(-1)).toMatchObject({
			type: "noted",
			status: "attention",
			outcome: expect.stringContaining("Monthly payments"),
			amount: 20, // what went back elsewhere, told with order.event_needs_attention (an outside probe: no amount)
		});
		expect(ledger.refunded).toBe(0);
		expect(ledger.merchant_events.map((e) => e.type)).toContain("order.event_needs_attention");
		expect(await attentionReasons(orderId)).toEqual(["1 order event(s) for the merchant to act on"]);
	});
});

/** The order's reasons in `GET /v1/orders?status=attention`, or undefined when it is not listed there. */
async function attentionReasons(reference: string): Promise<string[] | undefined> {
	const { data } = await edgeApi(MERCHANT_KEY).GET("/v1/orders", {
		params: { query: { status: "attention", limit: 200 } },
	});
	return data?.orders.find((row) => row.reference === reference)?.reasons;
}

describe("orders linked by note attribute keep their shipments and refunds", () => {
	it("orders/create ties the order id to the checkout; fulfillments and refunds, which carry only the order id, find it", async () => {
		const checkout = await openCheckout(260);
		await authorizedOrder(checkout.reference, 260);
		const orderId = shopifyBigId();
		const order = shopifySampleOrder(orderId, { note_attributes: flexitiNote(checkout.reference) });
		expect(await (await shopifyWebhook("orders/create", order)).json()).toMatchObject({ received: 1 });
		const shipped = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		expect(await (await shopifyWebhook("fulfillments/create", shipped)).json()).toMatchObject({ received: 1 });
		const refund = shopifySampleRefund(shopifyBigId(), orderId, "30.00");
		expect(await (await shopifyWebhook("refunds/create", refund)).json()).toMatchObject({ received: 1 });
		const ledger = await settledLedger(checkout.reference);
		// The sample's line (199.00) and, with this first shipment, the order's shipping (10.00).
		expect(ledger.captured).toBe(209);
		expect(ledger.refunded).toBe(30);
		expect(ledger.events.map((e) => [e.topic, e.status])).toEqual([
			["orders/create", "ignored"],
			["fulfillments/create", "applied"],
			["refunds/create", "applied"],
		]);
	});
});

describe("an order is one store order", () => {
	it("another Shopify order naming the same reference (a cart attribute the shopper can set) moves nothing of this one", async () => {
		// Found by an outside probe: order B, paid with Flexiti, whose note attribute named order A's
		// reference, released A's authorization when B was cancelled.
		const checkout = await openCheckout(150);
		await authorizedOrder(checkout.reference, 150);
		const orderA = shopifyBigId();
		const orderB = shopifyBigId();
		const note = { note_attributes: flexitiNote(checkout.reference) };
		await shopifyWebhook("orders/create", shopifySampleOrder(orderA, note));
		const cancelB = shopifySampleOrder(orderB, { ...note, cancelled_at: "2026-12-03T10:00:00-05:00" });
		expect((await shopifyWebhook("orders/cancelled", cancelB)).status).toBe(200);
		const shippedB = shopifySampleFulfillment(shopifyBigId(), orderB, { status: "success" });
		await shopifyWebhook("fulfillments/create", shippedB);
		const ledger = await settledLedger(checkout.reference);
		expect(ledger.released).toBe(0);
		expect(ledger.captured).toBe(0);
		expect(ledger.events.map((e) => [e.topic, e.status])).toEqual([
			["orders/create", "ignored"],
			["orders/cancelled", "refused"],
			["fulfillments/create", "refused"],
		]);
		expect(ledger.events[1]?.outcome).toContain(`shopify order ${orderB}`);
		expect(ledger.merchant_events.filter((e) => e.type === "order.event_refused")).toHaveLength(2);
		expect(await sandboxCalls("releaseAuthorization")).toEqual([]);
		// Order A's own cancel still releases it.
		const cancelA = shopifySampleOrder(orderA, { ...note, cancelled_at: "2026-12-03T11:00:00-05:00" });
		await shopifyWebhook("orders/cancelled", cancelA);
		expect((await settledLedger(checkout.reference)).released).toBe(150);
	});
});

describe("a fulfillment or refund that comes before the order's own payload", () => {
	// Found by an outside probe: they were answered "not a Flexiti order" and lost, and Shopify does not
	// resend a 200. Shopify delivers each topic on its own and retries each on its own: no order between them.
	const linkOf = (orderId: string) => orderLink(env, CLIENT_ID, "shopify", "", orderId);

	it("waits under the order id (held) and is applied, once, when orders/create ties it to the checkout", async () => {
		const checkout = await openCheckout(260);
		await authorizedOrder(checkout.reference, 260);
		const orderId = shopifyBigId();
		const shipped = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		const fulfillmentId = crypto.randomUUID();
		const early = await shopifyWebhook("fulfillments/create", shipped, { webhookId: fulfillmentId });
		expect(await early.json()).toMatchObject({ received: 0, duplicates: 0, held: 1 });
		const refund = shopifySampleRefund(shopifyBigId(), orderId, "30.00");
		expect(await (await shopifyWebhook("refunds/create", refund)).json()).toMatchObject({ held: 1 });
		// Shopify's retry of the fulfillment: the same event, kept once.
		const again = await shopifyWebhook("fulfillments/create", shipped, { webhookId: fulfillmentId });
		expect(await again.json()).toMatchObject({ received: 0, duplicates: 1 });
		expect(await readLedger(checkout.reference)).toMatchObject({ captured: 0, refunded: 0 });

		const order = shopifySampleOrder(orderId, { note_attributes: flexitiNote(checkout.reference) });
		expect(await (await shopifyWebhook("orders/create", order)).json()).toMatchObject({ received: 1 });
		const ledger = await settledLedger(checkout.reference);
		expect(ledger.captured).toBe(209); // the sample's line (199.00) and, with this first shipment, its shipping
		expect(ledger.refunded).toBe(30);
		expect(ledger.events.map((e) => [e.topic, e.status]).sort()).toEqual([
			["fulfillments/create", "applied"],
			["orders/create", "ignored"],
			["refunds/create", "applied"],
		]);
		// orders/paid after it: nothing held is applied twice.
		await shopifyWebhook("orders/paid", order);
		expect((await settledLedger(checkout.reference)).captured).toBe(209);
		expect((await ok(sandboxCalls("captureAuthorization"))).length).toBe(1);
	});

	it("sent at the same moment as orders/create: captured once, whichever the link object sees first", async () => {
		for (let round = 0; round < 3; round++) {
			const checkout = await openCheckout(260);
			await authorizedOrder(checkout.reference, 260);
			const orderId = shopifyBigId();
			const shipped = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
			const order = shopifySampleOrder(orderId, { note_attributes: flexitiNote(checkout.reference) });
			const answers = await Promise.all([
				shopifyWebhook("fulfillments/create", shipped),
				shopifyWebhook("orders/create", order),
				shopifyWebhook("fulfillments/create", shipped),
			]);
			expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
			expect((await settledLedger(checkout.reference)).captured).toBe(209);
		}
		expect((await ok(sandboxCalls("captureAuthorization"))).length).toBe(3);
	});

	it("tied to a reference the edge does not know yet, they wait on, and go to the order with its next payload", async () => {
		// A review: the link handed them to an order that did not exist yet, and dropped them.
		const reference = `SHOP-${crypto.randomUUID().slice(0, 8)}`;
		const orderId = shopifyBigId();
		const shipped = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		expect(await (await shopifyWebhook("fulfillments/create", shipped)).json()).toMatchObject({ held: 1 });
		const order = shopifySampleOrder(orderId, { note_attributes: flexitiNote(reference) });
		await shopifyWebhook("orders/create", order); // the checkout's authorization is not recorded yet
		expect(await heldAt(linkOf(orderId))).toBe(1);
		await authorizedOrder(reference, 260);
		await shopifyWebhook("orders/paid", order);
		expect(await heldAt(linkOf(orderId))).toBe(0);
		expect((await settledLedger(reference)).captured).toBe(209);
	});

	it("an order id no payload ever ties to a checkout (not a Flexiti order) drops its events after 7 days", async () => {
		const checkout = await openCheckout(100);
		await authorizedOrder(checkout.reference, 100);
		const orderId = shopifyBigId();
		const shipped = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		expect(await (await shopifyWebhook("fulfillments/create", shipped)).json()).toMatchObject({ held: 1 });
		await advance(linkOf(orderId), UNLINKED_HOLD_MS - 60_000);
		expect(await heldAt(linkOf(orderId))).toBe(1);
		await advance(linkOf(orderId), 60_000);
		expect(await heldAt(linkOf(orderId))).toBe(0);
		// Tied to a checkout after all, too late: nothing of the dropped fulfillment is captured.
		const order = shopifySampleOrder(orderId, { note_attributes: flexitiNote(checkout.reference) });
		await shopifyWebhook("orders/create", order);
		expect((await settledLedger(checkout.reference)).captured).toBe(0);
	});
});

/** How many events wait on a platform order id's link object. */
function heldAt(link: DurableObjectStub<Order>): Promise<number> {
	return runInDurableObject(link, async (_: Order, state) => (await heldUnlinked(state.storage)).events.length);
}

describe("shipments", () => {
	it("a pending fulfillment waits; its update to success captures the items and, once, the shipping", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 500);
		await shopifyWebhook("orders/paid", shopifySampleOrder(orderId, { financial_status: "paid" }));
		const fulfillmentId = shopifyBigId();
		const pending = shopifySampleFulfillment(fulfillmentId, orderId); // the sample's status: pending
		await shopifyWebhook("fulfillments/create", pending);
		expect((await settledLedger(orderId)).captured).toBe(0);
		const success = { ...pending, status: "success" };
		await shopifyWebhook("fulfillments/update", success);
		await shopifyWebhook("fulfillments/update", success); // redelivered: still once
		await shopifyWebhook(
			"fulfillments/create",
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
		);
		const ledger = await settledLedger(orderId);
		expect(ledger.captures.map((c) => c.amount)).toEqual([209, 199]);
		expect(await ok(sandboxCalls("captureAuthorization"))).toHaveLength(2);
	});

	it("the shipping an order payload taught the order survives a restart and is captured with the first shipment", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 500);
		await shopifyWebhook("orders/paid", shopifySampleOrder(orderId, { financial_status: "paid" }));
		await evictAllDurableObjects();
		await shopifyWebhook(
			"fulfillments/create",
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
		);
		// The sample's line (199.00) and the order's shipping (10.00), learned before the restart.
		expect((await settledLedger(orderId)).captures.map((c) => c.amount)).toEqual([209]);
	});

	it("a fulfillment's create and its update to success, delivered at the same moment, capture once", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 400);
		const fulfillment = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		const answers = await Promise.all([
			shopifyWebhook("fulfillments/create", fulfillment),
			shopifyWebhook("fulfillments/update", fulfillment),
			shopifyWebhook("fulfillments/update", fulfillment),
		]);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
		const ledger = await settledLedger(orderId);
		expect(ledger.captures.map((c) => c.amount)).toEqual([199]);
		expect(await ok(sandboxCalls("captureAuthorization"))).toHaveLength(1);
	});

	it("a fulfillment cancelled after its capture is put before the merchant, and moves no money by itself", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 300);
		const fulfillment = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		await shopifyWebhook("fulfillments/create", fulfillment);
		await shopifyWebhook("fulfillments/update", { ...fulfillment, status: "cancelled" });
		const ledger = await settledLedger(orderId);
		expect(ledger.captured).toBe(199);
		expect(ledger.events.at(-1)).toMatchObject({ status: "attention", outcome: expect.stringContaining("cancelled") });
		expect(ledger.refunded).toBe(0);
	});
});

describe("orders edited after they were authorized (an outside probe found the original total captured)", () => {
	// Shopify's order payloads say what the order comes to now in current_total_price (edits and refunds);
	// WooCommerce's in total (refunds listed apart).
	const edited = (orderId: string, total: string, changes: Json = {}) =>
		shopifySampleOrder(orderId, { current_total_price: total, ...changes });

	it("Shopify: edited down to 150 after a 249.99 authorization, the whole order's shipment captures 150 and releases the rest", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 249.99);
		await shopifyWebhook("orders/create", edited(orderId, "249.99"));
		await shopifyWebhook("orders/updated", edited(orderId, "150.00"));
		await shopifyWebhook("orders/fulfilled", edited(orderId, "150.00", { fulfillment_status: "fulfilled" }));
		const ledger = await settledLedger(orderId);
		expect([ledger.captured, ledger.released]).toEqual([150, 99.99]);
		expect((await ok(sandboxCalls("captureAuthorization"))).length).toBe(1);
	});

	it("Shopify, the README's subscriptions: the edited order's parcel is captured, then orders/fulfilled captures nothing more and releases the rest", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 500);
		await shopifyWebhook("orders/paid", edited(orderId, "500.00", { financial_status: "paid" }));
		await shopifyWebhook("orders/edited", edited(orderId, "209.00"));
		// The sample parcel: its line (199.00) and, with the first capture, the order's shipping (10.00).
		await shopifyWebhook(
			"fulfillments/create",
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
		);
		await shopifyWebhook("orders/fulfilled", edited(orderId, "209.00", { fulfillment_status: "fulfilled" }));
		const ledger = await settledLedger(orderId);
		expect([ledger.captured, ledger.released]).toEqual([209, 291]);
		expect(ledger.captures.map((c) => c.amount)).toEqual([209]);
	});

	it("Shopify: a refund already given back is not taken off the whole order's capture (current_total_price counts it)", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 500);
		await shopifyWebhook("orders/paid", edited(orderId, "500.00", { financial_status: "paid" }));
		await shopifyWebhook(
			"fulfillments/create",
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
		);
		await shopifyWebhook("refunds/create", shopifySampleRefund(shopifyBigId(), orderId, "50.00"));
		const refunds = [
			{ id: 1, transactions: [{ kind: "refund", status: "success", amount: "50.00", gateway: "flexiti" }] },
		];
		await shopifyWebhook("orders/fulfilled", edited(orderId, "450.00", { fulfillment_status: "fulfilled", refunds }));
		const ledger = await settledLedger(orderId);
		expect([ledger.captured, ledger.refunded, ledger.released]).toEqual([500, 50, 0]);
	});

	it("Shopify: orders/fulfilled before the last parcel's own event; that parcel was paid by it: applied, not refused, and not told as refused", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 408);
		await shopifyWebhook("orders/paid", edited(orderId, "408.00", { financial_status: "paid" }));
		const parcel = (at: string) =>
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success", created_at: at });
		await shopifyWebhook("fulfillments/create", parcel("2026-11-25T10:00:00-05:00"));
		const fulfilled = { fulfillment_status: "fulfilled", updated_at: "2026-11-25T11:00:01-05:00" };
		await shopifyWebhook("orders/fulfilled", edited(orderId, "408.00", fulfilled));
		// Made at 11:00, before the order was fulfilled; its event delivered after the order's.
		await shopifyWebhook("fulfillments/create", parcel("2026-11-25T11:00:00-05:00"));
		const ledger = await settledLedger(orderId);
		expect(ledger.captures.map((c) => c.amount)).toEqual([209, 199]);
		expect(ledger.events.map((e) => e.status).filter((status) => status === "refused")).toEqual([]);
		const listed = await edgeApi(MERCHANT_KEY).GET("/v1/orders", { params: { query: { status: "attention" } } });
		expect(listed.data?.orders.some((o) => o.reference === orderId)).toBe(false);
	});

	it("Shopify: a parcel made after the whole order's shipment (an item added and shipped later) is not taken as paid by it: refused and told", async () => {
		// A review found it marked applied, with nothing captured and nobody told.
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 300);
		await shopifyWebhook("orders/paid", edited(orderId, "300.00"));
		await shopifyWebhook("orders/edited", edited(orderId, "50.00"));
		const fulfilled = { fulfillment_status: "fulfilled", updated_at: "2026-11-25T11:00:00-05:00" };
		await shopifyWebhook("orders/fulfilled", edited(orderId, "50.00", fulfilled));
		expect((await settledLedger(orderId)).released).toBe(250);
		await shopifyWebhook("orders/edited", edited(orderId, "249.00", { fulfillment_status: "partial" }));
		const later = { status: "success", created_at: "2026-11-26T09:00:00-05:00" };
		await shopifyWebhook("fulfillments/create", shopifySampleFulfillment(shopifyBigId(), orderId, later));
		const ledger = await settledLedger(orderId);
		expect(ledger.captured).toBe(50);
		expect(ledger.events.at(-1)).toMatchObject({
			status: "refused",
			outcome: expect.stringContaining("authorization_released"),
		});
	});

	it("Shopify: a refund line the edge cannot read makes the payload's total unknown (what remains is captured), never the order's payload refused", async () => {
		// A review found one unreadable refund amount refusing the whole orders/fulfilled (and so its link and cancel).
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 100);
		await shopifyWebhook("orders/paid", edited(orderId, "100.00"));
		const refunds = [
			{ id: 1, transactions: [{ kind: "refund", status: "success", amount: "0.125", gateway: "manual" }] },
		];
		await shopifyWebhook("orders/fulfilled", edited(orderId, "100.00", { fulfillment_status: "fulfilled", refunds }));
		expect((await settledLedger(orderId)).captured).toBe(100);
	});

	it("Shopify: a parcel Flexiti refused, replayed, still carries the order's shipping with it (the first capture)", async () => {
		// A review found the replay's rest planned without its shipping: 199 captured for a 209 parcel.
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 500);
		await shopifyWebhook("orders/paid", edited(orderId, "500.00"));
		await sandbox("POST", "/sandbox/faults", {
			operation: "captureAuthorization",
			status: 409,
			error: "not_permitted",
		});
		await shopifyWebhook(
			"fulfillments/create",
			shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
		);
		const parcel = (await settledLedger(orderId)).events.find((e) => e.type === "fulfilled");
		expect(parcel).toMatchObject({ status: "refused" });
		await sandbox("DELETE", "/sandbox/faults");
		const { response } = await edgeApi(MERCHANT_KEY).POST("/v1/orders/{reference}/events/{event_id}/replay", {
			params: { path: { reference: orderId, event_id: parcel?.id ?? "" } },
		});
		expect(response.status).toBe(202);
		expect((await settledLedger(orderId)).captured).toBe(209);
	});

	it("Shopify, Flexiti beside a gift card: edited down, Flexiti's share is charged (the card's stays paid), not the store's whole total; unedited, all of Flexiti's", async () => {
		// A review: 30 on a gift card and 70 at Flexiti, an item of 40 taken off: the edge captured 60.
		const gateways = { payment_gateway_names: ["gift_card", "flexiti"] };
		const at = (hour: number) => ({ ...gateways, updated_at: `2026-11-25T${hour}:00:00-05:00` });
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 70);
		// The edit delivered before the order's own payload: Flexiti's share is read from the earliest by its time.
		await shopifyWebhook("orders/edited", edited(orderId, "60.00", at(11)));
		await shopifyWebhook("orders/paid", edited(orderId, "100.00", at(10)));
		await shopifyWebhook("orders/fulfilled", edited(orderId, "60.00", { ...at(12), fulfillment_status: "fulfilled" }));
		const ledger = await settledLedger(orderId);
		expect([ledger.captured, ledger.released]).toEqual([30, 40]);
		const unedited = shopifyBigId();
		await authorizedOrder(unedited, 70);
		await shopifyWebhook("orders/paid", edited(unedited, "100.00", at(10)));
		await shopifyWebhook(
			"orders/fulfilled",
			edited(unedited, "100.00", { ...at(12), fulfillment_status: "fulfilled" }),
		);
		expect((await settledLedger(unedited)).captured).toBe(70);
	});

	it("Shopify: edited above the authorization, the merchant is told at once (attention), and a capture is never above it", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 249.99);
		await shopifyWebhook("orders/create", edited(orderId, "249.99"));
		await shopifyWebhook("orders/updated", edited(orderId, "399.99"));
		const ledger = await settledLedger(orderId);
		expect(ledger.events.at(-1)).toMatchObject({ status: "attention", outcome: expect.stringContaining("399.99") });
		await shopifyWebhook("orders/fulfilled", edited(orderId, "399.99", { fulfillment_status: "fulfilled" }));
		const shipped = await settledLedger(orderId);
		expect(shipped.captured).toBe(249.99);
		// Told once: the shipment's shortfall is the edit's, already told when it arrived.
		expect(shipped.merchant_events.filter((e) => e.type === "order.event_needs_attention")).toHaveLength(1);
		expect(await attentionReasons(orderId)).toEqual(["1 order event(s) for the merchant to act on"]);
	});

	it("Shopify: an older orders/updated delivered after a newer one raises no attention (Shopify does not keep their order)", async () => {
		// An outside probe: a stale 120 after the newer 90 flagged "now comes to 120" for good.
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 100);
		await shopifyWebhook("orders/create", edited(orderId, "100.00", { updated_at: "2026-11-25T10:00:00-05:00" }));
		await shopifyWebhook("orders/updated", edited(orderId, "90.00", { updated_at: "2026-11-25T12:00:00-05:00" }));
		await shopifyWebhook("orders/updated", edited(orderId, "120.00", { updated_at: "2026-11-25T11:00:00-05:00" }));
		const ledger = await settledLedger(orderId);
		expect(ledger.events.map((e) => e.status)).not.toContain("attention");
	});

	it("WooCommerce: completed at a total above the authorization captures all Flexiti authorized, and says what is above it", async () => {
		const id = wooId();
		await authorizedOrder(`WC-${id}`, 100);
		await wooWebhook("order.updated", wooSampleOrder(id, `WC-${id}`, { status: "completed", total: "120.00" }));
		const ledger = await settledLedger(`WC-${id}`);
		expect(ledger.captured).toBe(100);
		expect(ledger.events.at(-1)?.outcome).toContain("20 of the order's total is above what Flexiti authorized");
		// For the merchant to act on (charge the 20 another way): told and listed, not only said in the outcome.
		expect(ledger.merchant_events.filter((e) => e.type === "order.event_needs_attention")).toHaveLength(1);
		expect(await attentionReasons(`WC-${id}`)).toEqual(["1 order event(s) for the merchant to act on"]);
	});

	it("WooCommerce: completed at a total edited down captures that total and releases the rest", async () => {
		const id = wooId();
		await authorizedOrder(`WC-${id}`, 249.99);
		await wooWebhook("order.created", wooSampleOrder(id, `WC-${id}`, { status: "processing", total: "249.99" }));
		await wooWebhook("order.updated", wooSampleOrder(id, `WC-${id}`, { status: "completed", total: "150.00" }));
		const ledger = await settledLedger(`WC-${id}`);
		expect([ledger.captured, ledger.released]).toEqual([150, 99.99]);
	});
});

describe("refunds past Flexiti's return window", () => {
	it("a return Flexiti refuses for its date (return_date_exceeded) becomes an account refund, once", async () => {
		const reference = `RET-${crypto.randomUUID().slice(0, 8)}`;
		await authorizedOrder(reference, 150);
		await standardWebhook("order.fulfilled", { reference });
		expect((await settledLedger(reference)).captured).toBe(150);
		await sandbox("POST", "/sandbox/clock/advance", { days: 101 });
		await standardWebhook("order.refunded", { reference, amount: 40 });
		const ledger = await settledLedger(reference);
		expect(ledger.events.at(-1)).toMatchObject({ status: "applied" });
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["refund", 40]]);
		expect((await sandboxCalls("returnCapture")).map((c) => c.status)).toEqual([409]);
		expect(await ok(sandboxCalls("refundAccount"))).toHaveLength(1);
	});
});

describe("refunds past Flexiti's return window, when answers are lost", () => {
	it("the account refund that replaces a refused return is retried with the same key after a lost answer: one refund", async () => {
		const reference = `RETL-${crypto.randomUUID().slice(0, 8)}`;
		await authorizedOrder(reference, 150);
		await standardWebhook("order.fulfilled", { reference });
		expect((await settledLedger(reference)).captured).toBe(150);
		await sandbox("POST", "/sandbox/clock/advance", { days: 101 });
		await sandbox("POST", "/sandbox/faults", { operation: "refundAccount", kind: "drop" });
		await standardWebhook("order.refunded", { reference, amount: 40 });
		const ledger = await settledLedger(reference);
		expect(ledger.events.at(-1)?.status).toBe("applied");
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["refund", 40]]);
		const refunds = await sandboxCalls("refundAccount");
		expect(refunds.length).toBeGreaterThanOrEqual(2); // the dropped answer, then the retry
		expect(new Set(refunds.map((c) => c.idempotency_key)).size).toBe(1);
		// At Flexiti the credit came back once: 150 authorized and captured, 40 refunded.
		const account = (await (await sandbox("GET", "/sandbox/accounts/10000000000001")).json()) as Json;
		expect(account.available_credit).toBe(account.credit_limit - 150 + 40);
	});
});

describe("a cancel that comes before the edge knows the order", () => {
	it("is held under the reference: no checkout, no authorization for the cancelled order", async () => {
		const reference = `EARLY-${crypto.randomUUID().slice(0, 8)}`;
		const order = shopifySampleOrder(shopifyBigId(), {
			note_attributes: flexitiNote(reference),
			cancelled_at: "2026-11-25T09:00:00-05:00",
		});
		expect(await (await shopifyWebhook("orders/cancelled", order)).json()).toMatchObject({ received: 1 });
		const checkout = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", { body: { reference, amount: 70 } });
		expect(checkout.response.status).toBe(409);
		await expect(authorizedOrder(reference, 70)).rejects.toThrow(/cancelled/);
		expect(await ok(sandboxCalls("createAuthorization"))).toEqual([]);
	});

	it("releases what still gets authorized (an attempt whose answer was lost, adopted later)", async () => {
		const reference = `LOST-${crypto.randomUUID().slice(0, 8)}`;
		await sandbox("POST", "/sandbox/faults", { operation: "createAuthorization", kind: "drop" });
		await sandbox("POST", "/sandbox/faults", { operation: "listAuthorizations", count: 6, status: 503 });
		await expect(authorizedOrder(reference, 80)).rejects.toThrow(); // happened at Flexiti; the edge cannot tell yet
		const order = shopifySampleOrder(shopifyBigId(), {
			note_attributes: flexitiNote(reference),
			cancelled_at: "2026-11-25T09:00:00-05:00",
		});
		await shopifyWebhook("orders/cancelled", order);
		await sandbox("DELETE", "/sandbox/faults");
		const adopted = await authorizedOrder(reference, 80); // Flexiti answers again: found, adopted
		expect(adopted.reference).toBe(reference);
		const ledger = await settledLedger(reference);
		expect(ledger.released).toBe(80);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1); // sent once (its answer dropped)
	});
});

describe("smaller", () => {
	it("WooCommerce's ping is answered 200 with no content type; a JSON delivery without one is still refused", async () => {
		// As WC_Webhook::deliver_ping sends it: a bare `webhook_id=N` body (a string body gets text/plain: drop it).
		const ping = new Request(`${EDGE}/v1/webhooks/woocommerce`, { method: "POST", body: "webhook_id=17" });
		ping.headers.delete("content-type");
		expect(ping.headers.get("content-type")).toBeNull();
		expect((await edgeFetch(ping)).status).toBe(200);
		const unlabeled = new Request(`${EDGE}/v1/webhooks/woocommerce`, { method: "POST", body: "{}" });
		unlabeled.headers.delete("content-type");
		expect((await edgeFetch(unlabeled)).status).toBe(400);
	});

	it("Shopify's sample orders/fulfilled (fulfillment_status null) and the order topics that move no money are recorded on the order", async () => {
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 100);
		const sample: Json = shopifySampleOrder(orderId); // fulfillment_status null, as Shopify's sample
		for (const topic of ["orders/fulfilled", "orders/updated", "orders/paid", "orders/partially_fulfilled"]) {
			expect((await shopifyWebhook(topic, sample)).status).toBe(200);
		}
		const ledger = await settledLedger(orderId);
		expect(ledger.events.map((e) => [e.topic, e.type, e.status])).toEqual([
			["orders/fulfilled", "noted", "ignored"],
			["orders/updated", "noted", "ignored"],
			["orders/paid", "noted", "ignored"],
			["orders/partially_fulfilled", "noted", "ignored"],
		]);
		expect(ledger.events[0]?.outcome).toContain("fulfillment_status is null");
		expect(await sandboxCalls("captureAuthorization")).toEqual([]);
	});
});
