/**
 * Edge → merchant events: written with the change they report, delivered by the order's alarm to
 * every endpoint of the client, signed with Standard Webhooks (verified here by the `standardwebhooks`
 * library, as a receiver would), retried with the same webhook-id and body, failed after the window,
 * redeliverable. The endpoints are a recording receiver Worker (event-receiver.js).
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import type { Order } from "../../functions/edge/orders/order.ts";
import type { components } from "../../generated/edge-api.ts";
import { advance, clockOf, nextAlarm, orderOf, settle } from "../edge/alarms.ts";
import { CLIENT_ID, edgeApi, flexitiViaEdge, MERCHANT_KEY, sandbox } from "../edge/support.ts";
import {
	authorizedOrder,
	readLedger,
	settledLedger,
	shopifyWebhook,
	standardWebhook,
} from "../edge/webhooks-support.ts";
import { shopifyBigId, shopifySampleOrder, shopifySampleRefund } from "../fixtures/platform-payloads.ts";
import { merchantEvents, type Received, received, resetReceiver, SECRET_A, SECRETS_B, script } from "./support.ts";

type MerchantEvent = components["schemas"]["MerchantEvent"];

const reference = () => `EV-${crypto.randomUUID().slice(0, 8)}`;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function verified(request: Received, secret: string): MerchantEvent {
	return new Webhook(secret).verify(request.body, request.headers) as MerchantEvent;
}

beforeEach(async () => {
	await resetReceiver();
});

/**
 * Moves the order's clock to the next attempt of its first event's delivery to endpoint A, and runs
 * what falls due: that attempt, whatever else the order has to do by then (on a loaded machine, a
 * slow answer from endpoint B may have set B's retry earlier, so "the next alarm" is not always A's).
 */
async function nextAttemptAtA(ref: string): Promise<void> {
	const at = Date.parse((await merchantEvents(ref))[0]?.deliveries[0]?.next_attempt_at ?? "");
	if (Number.isNaN(at)) throw new Error(`no attempt at endpoint A is due for ${ref}`);
	await advance(orderOf(ref), at - (await clockOf(orderOf(ref))));
}

describe("checkout.authorized", () => {
	it("reaches every endpoint of the client, signed (both secrets of a rotating endpoint), with the ledger's amounts", async () => {
		const ref = reference();
		const authorization = await authorizedOrder(ref, 120);
		await settle(orderOf(ref));
		const [a, ...moreA] = await received("/a", ref);
		const [b, ...moreB] = await received("/b", ref);
		if (!a || !b) throw new Error("not delivered");
		expect([moreA, moreB]).toEqual([[], []]);
		const event = verified(a, SECRET_A);
		expect(event.type).toBe("checkout.authorized");
		expect(event.data).toMatchObject({
			sequence: 1,
			reference: ref,
			client_id: CLIENT_ID,
			authorization_id: authorization.authorization_id,
			amount: 120,
			ledger: { authorized: 120, captured: 0, released: 0, refunded: 0 },
		});
		expect(event.data.id).toBe(a.headers["webhook-id"]);
		// Rotation: the endpoint mid-rotation gets one signature per secret, and either verifies it alone.
		expect(b.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
		for (const secret of SECRETS_B) expect(verified(b, secret).data.id).toBe(event.data.id);
		expect(() => verified(a, SECRETS_B[0] ?? "")).toThrow();
		// The other client's endpoint hears nothing of this client's orders.
		expect(await received("/c", ref)).toEqual([]);
		const [record] = await merchantEvents(ref);
		expect(record).toMatchObject({ id: event.data.id, sequence: 1, type: "checkout.authorized" });
		expect(record?.deliveries.map((d) => d.status)).toEqual(["delivered", "delivered"]);
	});

	it("is sent once however many times the authorization is recorded (a double click, a repeat)", async () => {
		const ref = reference();
		await authorizedOrder(ref, 60);
		const order = orderOf(ref);
		const ledger = await readLedger(ref);
		const authorization = ledger?.authorization;
		if (!authorization) throw new Error("no authorization");
		await Promise.all(
			Array.from({ length: 5 }, () =>
				order.recordAuthorization(CLIENT_ID, ref, {
					authorization_id: authorization.authorization_id ?? 0,
					amount: 60,
					status: "authorized",
				}),
			),
		);
		await settle(orderOf(ref));
		expect((await merchantEvents(ref)).filter((e) => e.type === "checkout.authorized")).toHaveLength(1);
		expect(await received("/a", ref)).toHaveLength(1);
	});
});

describe("delivery", () => {
	it("retries a failing endpoint: 500, 500, then 200 is three attempts with the same webhook-id and body", async () => {
		await script("/a", [500, 500]);
		const ref = reference();
		await authorizedOrder(ref, 80);
		await settle(orderOf(ref));
		// The production schedule (wrangler.toml's 5 s base, fivefold, jittered to 75–125%): the order's
		// clock is moved to each retry rather than slept to.
		const waits: number[] = [];
		for (const answers of [[500], [500, 500]]) {
			expect((await received("/a", ref)).map((r) => r.answer)).toEqual(answers);
			const delivery = (await merchantEvents(ref))[0]?.deliveries[0];
			expect(delivery).toMatchObject({ status: "retrying", attempts: answers.length, last_status: 500 });
			waits.push(Date.parse(delivery?.next_attempt_at ?? "") - Date.parse(delivery?.last_attempt_at ?? ""));
			await nextAttemptAtA(ref);
		}
		expect(waits[0]).toBeGreaterThanOrEqual(3750);
		expect(waits[0]).toBeLessThanOrEqual(6250);
		expect(waits[1]).toBeGreaterThanOrEqual(18_750);
		expect(waits[1]).toBeLessThanOrEqual(31_250);
		const list = await received("/a", ref);
		expect(list.map((r) => r.answer)).toEqual([500, 500, 200]);
		expect(new Set(list.map((r) => r.headers["webhook-id"])).size).toBe(1);
		expect(new Set(list.map((r) => r.body)).size).toBe(1);
		for (const request of list) verified(request, SECRET_A);
		const [event] = await merchantEvents(ref);
		expect(event?.deliveries[0]).toMatchObject({ status: "delivered", attempts: 3, last_status: 200 });
		// The other endpoint answered at once: one attempt, unaffected by this one's trouble.
		expect(event?.deliveries[1]).toMatchObject({ status: "delivered", attempts: 1 });
	});

	it("an endpoint that says when to come back (429 with Retry-After) is not asked before then", async () => {
		// An outside probe: `Retry-After: 20` was retried after about 5 s, the schedule's first step.
		await script("/a", ["429:120"]);
		const ref = reference();
		await authorizedOrder(ref, 30);
		await settle(orderOf(ref));
		const delivery = (await merchantEvents(ref))[0]?.deliveries[0];
		expect(delivery).toMatchObject({ status: "retrying", attempts: 1, last_status: 429 });
		const wait = Date.parse(delivery?.next_attempt_at ?? "") - Date.parse(delivery?.last_attempt_at ?? "");
		expect(wait).toBeGreaterThanOrEqual(120_000);
		expect(wait).toBeLessThan(125_000);
		await nextAttemptAtA(ref);
		expect((await received("/a", ref)).map((r) => r.answer)).toEqual(["429:120", 200]);
	});

	it("an answer lost to a timeout is sent again, the same event (the receiver deduplicates on webhook-id)", async () => {
		await script("/a", ["hang"], 4000);
		const ref = reference();
		await authorizedOrder(ref, 90);
		await settle(orderOf(ref));
		expect((await merchantEvents(ref))[0]?.deliveries[0]).toMatchObject({
			status: "retrying",
			attempts: 1,
			last_error: "no answer within 1500 ms",
		});
		await nextAttemptAtA(ref);
		const list = await received("/a", ref);
		expect(list).toHaveLength(2);
		expect(list[0]?.headers["webhook-id"]).toBe(list[1]?.headers["webhook-id"]);
		expect(list[0]?.body).toBe(list[1]?.body);
		const [event] = await merchantEvents(ref);
		expect(event?.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
	});

	it("a 4xx (not 408/409/429) fails at once, visible; redelivered after the fix, once however often it is asked", async () => {
		await script("/a", [410]);
		const ref = reference();
		await authorizedOrder(ref, 70);
		await settle(orderOf(ref));
		const events = await merchantEvents(ref);
		const delivery = events[0]?.deliveries[0];
		expect(delivery).toMatchObject({ status: "failed", attempts: 1, last_status: 410 });
		expect(delivery?.last_error).toContain("410");
		// Five redeliveries at once: one more request, not five.
		const api = edgeApi(MERCHANT_KEY);
		const answers = await Promise.all(
			Array.from({ length: 5 }, () =>
				api.POST("/v1/orders/{reference}/deliveries/{delivery_id}/redeliver", {
					params: { path: { reference: ref, delivery_id: delivery?.id ?? "" } },
				}),
			),
		);
		expect(answers.map((a) => a.response.status)).toEqual([202, 202, 202, 202, 202]);
		await settle(orderOf(ref));
		expect((await merchantEvents(ref))[0]?.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
		const list = await received("/a", ref);
		expect(list.map((r) => r.answer)).toEqual([410, 200]);
		expect(list[0]?.headers["webhook-id"]).toBe(list[1]?.headers["webhook-id"]);
		expect(list[0]?.body).toBe(list[1]?.body);
	});

	it("an endpoint down for the whole retry window ends in failed, and a redelivery gets it there", async () => {
		await script(
			"/a",
			Array.from({ length: 50 }, () => 503),
		);
		const ref = reference();
		await authorizedOrder(ref, 65);
		await settle(orderOf(ref));
		await nextAttemptAtA(ref);
		expect((await merchantEvents(ref))[0]?.deliveries[0]).toMatchObject({ status: "retrying", attempts: 2 });
		// The retry window (wrangler.toml: 72 hours) passes on the order's clock: the next failure is past it.
		await advance(orderOf(ref), 72 * HOUR_MS);
		const events = await merchantEvents(ref);
		expect(events[0]?.deliveries[0]).toMatchObject({ status: "failed", attempts: 3, last_status: 503 });
		// Visible without knowing the reference: the order index (written by the same alarm) lists it as needing attention.
		const attention =
			(await edgeApi(MERCHANT_KEY).GET("/v1/orders", { params: { query: { status: "attention", limit: 200 } } })).data
				?.orders ?? [];
		expect(attention.find((o) => o.reference === ref)?.reasons.join(" ")).toContain("delivery");
		await script("/a", []);
		const { response } = await edgeApi(MERCHANT_KEY).POST("/v1/orders/{reference}/deliveries/{delivery_id}/redeliver", {
			params: { path: { reference: ref, delivery_id: events[0]?.deliveries[0]?.id ?? "" } },
		});
		expect(response.status).toBe(202);
		await settle(orderOf(ref));
		expect((await merchantEvents(ref))[0]?.deliveries[0]).toMatchObject({ status: "delivered", attempts: 4 });
	});

	it("an unknown delivery is a 404", async () => {
		const ref = reference();
		await authorizedOrder(ref, 10);
		const { response } = await edgeApi(MERCHANT_KEY).POST("/v1/orders/{reference}/deliveries/{delivery_id}/redeliver", {
			params: { path: { reference: ref, delivery_id: "99.1" } },
		});
		expect(response.status).toBe(404);
	});
});

describe("the order's events, in sequence", () => {
	it("captured, refunded: each with the ledger's amounts after it, numbered 1, 2, 3", async () => {
		const ref = reference();
		await authorizedOrder(ref, 100);
		expect((await standardWebhook("order.fulfilled", { reference: ref, amount: 40 })).status).toBe(200);
		await settle(orderOf(ref));
		expect(await received("/a", ref)).toHaveLength(2);
		expect((await standardWebhook("order.refunded", { reference: ref, amount: 15 })).status).toBe(200);
		await settle(orderOf(ref));
		const list = await received("/a", ref);
		const events = list.map((r) => verified(r, SECRET_A)).sort((x, y) => x.data.sequence - y.data.sequence);
		expect(events.map((e) => [e.data.sequence, e.type])).toEqual([
			[1, "checkout.authorized"],
			[2, "order.captured"],
			[3, "order.refunded"],
		]);
		expect(events[1]?.data).toMatchObject({ amount: 40, ledger: { authorized: 100, captured: 40, refunded: 0 } });
		expect(events[1]?.data.capture_id).toEqual(expect.any(Number));
		expect(events[2]?.data).toMatchObject({
			amount: 15,
			refund_kind: "return",
			ledger: { captured: 40, refunded: 15 },
		});
	});

	it("one refund over two captures is two order.refunded, each with the money right after it (not the ledger's final)", async () => {
		// An outside probe found both stamped with the final ledger: a receiver reading deltas saw +250 for a 200.
		const ref = reference();
		await authorizedOrder(ref, 300);
		await standardWebhook("order.fulfilled", { reference: ref, amount: 100 });
		await settle(orderOf(ref));
		await standardWebhook("order.fulfilled", { reference: ref, amount: 200 });
		await settle(orderOf(ref));
		await standardWebhook("order.refunded", { reference: ref, amount: 250 });
		await settle(orderOf(ref));
		const list = await received("/a", ref);
		const refunds = list
			.map((r) => verified(r, SECRET_A))
			.filter((e) => e.type === "order.refunded")
			.sort((x, y) => x.data.sequence - y.data.sequence);
		expect(refunds.map((e) => [e.data.amount, e.data.ledger])).toEqual([
			[200, { authorized: 300, captured: 300, released: 0, refunded: 200 }],
			[50, { authorized: 300, captured: 300, released: 0, refunded: 250 }],
		]);
	});

	it("released on a cancel; a refused event is order.event_refused", async () => {
		const ref = reference();
		await authorizedOrder(ref, 50);
		await standardWebhook("order.cancelled", { reference: ref });
		await settle(orderOf(ref));
		expect(await received("/a", ref)).toHaveLength(2);
		// Released: nothing can be captured any more, so a fulfilment is refused by the plan.
		await standardWebhook("order.fulfilled", { reference: ref, amount: 5 });
		await settle(orderOf(ref));
		const list = await received("/a", ref);
		const types = list.map((r) => verified(r, SECRET_A)).sort((x, y) => x.data.sequence - y.data.sequence);
		expect(types.map((e) => e.type)).toEqual(["checkout.authorized", "order.released", "order.event_refused"]);
		expect(types[1]?.data).toMatchObject({ amount: 50, ledger: { released: 50 } });
		expect(types[2]?.data.order_event_id).toEqual(expect.any(String));
	});

	it("an order event refused or left for the merchant as it is read is told too: order.event_refused, order.event_needs_attention", async () => {
		// Found by an outside probe: a USD order and a refund through another gateway were recorded, never told.
		const orderId = shopifyBigId();
		await authorizedOrder(orderId, 100);
		const usd = shopifySampleOrder(orderId, { fulfillment_status: "fulfilled", currency: "USD" });
		await shopifyWebhook("orders/fulfilled", usd);
		const refund = shopifySampleRefund(shopifyBigId(), orderId, "20.00", { gateway: "Monthly payments" });
		await shopifyWebhook("refunds/create", refund);
		await settle(orderOf(orderId));
		const ledger = await readLedger(orderId);
		const told = (await received("/a", orderId))
			.map((r) => verified(r, SECRET_A))
			.sort((x, y) => x.data.sequence - y.data.sequence);
		expect(told.map((e) => [e.type, e.data.order_event_id])).toEqual([
			["checkout.authorized", undefined],
			["order.event_refused", ledger?.events[0]?.id],
			["order.event_needs_attention", ledger?.events[1]?.id],
		]);
		expect(told[1]?.data.outcome).toContain("currency_not_cad");
		expect(told[2]?.data.outcome).toContain("Monthly payments");
	});

	it("an event Flexiti never takes is order.event_dead_lettered, once", async () => {
		const ref = reference();
		await authorizedOrder(ref, 30);
		await sandbox("POST", "/sandbox/faults", { operation: "getAuthorization", count: 20, status: 503 });
		try {
			await standardWebhook("order.fulfilled", { reference: ref });
			// Each attempt fails; the order's clock is moved to each of its wake-ups until the event has settled.
			const ledger = await settledLedger(ref);
			expect(ledger.events[0]).toMatchObject({ status: "dead_letter", attempts: 3 });
			await settle(orderOf(ref));
			const list = await received("/a", ref);
			expect(list).toHaveLength(2);
			const dead = list.map((r) => verified(r, SECRET_A)).filter((e) => e.type === "order.event_dead_lettered");
			expect(dead).toHaveLength(1);
			expect(dead[0]?.data.order_event_id).toBe(ledger.events[0]?.id);
			expect((await merchantEvents(ref)).filter((e) => e.type === "order.event_dead_lettered")).toHaveLength(1);
		} finally {
			await sandbox("DELETE", "/sandbox/faults");
		}
	});
});

describe("checkout.declined", () => {
	it("is sent when Flexiti refuses the authorization (a wrong PIN)", async () => {
		const ref = reference();
		const checkout = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", { body: { reference: ref, amount: 33 } });
		expect(checkout.response.status).toBe(201);
		const merchant = flexitiViaEdge(MERCHANT_KEY);
		const { response } = await merchant.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id: CLIENT_ID } },
			body: {
				account_number: 10000000000001,
				financing_option: { transaction_type: "regular_purchase" },
				amount: 33,
				auto_capture: false,
				reference: ref,
				verification_code: 1,
				request_id: crypto.randomUUID(),
			},
		});
		expect(response.status).toBeGreaterThanOrEqual(400);
		expect(response.status).toBeLessThan(500);
		await settle(orderOf(ref));
		const [request] = await received("/a", ref);
		if (!request) throw new Error("not delivered");
		const event = verified(request, SECRET_A);
		expect(event.type).toBe("checkout.declined");
		expect(event.data).toMatchObject({ amount: 33, ledger: { authorized: 0 } });
		expect(event.data.error).toEqual(expect.any(String));
	});
});

describe("the clock", () => {
	it("checkout.expired once the checkout's lifetime passed with nothing authorized", async () => {
		const ref = reference();
		const checkout = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", { body: { reference: ref, amount: 25 } });
		expect(checkout.response.status).toBe(201);
		const lifetime = Date.parse(checkout.data?.expires_at ?? "") - Date.now();
		// Not a moment early: a minute before the end, nothing.
		await advance(orderOf(ref), lifetime - 60_000);
		expect(await received("/a", ref)).toEqual([]);
		// The order's own alarm is set for the end of the checkout's lifetime.
		await nextAlarm(orderOf(ref));
		const [request, ...more] = await received("/a", ref);
		if (!request) throw new Error("not delivered");
		expect(more).toEqual([]);
		const event = verified(request, SECRET_A);
		expect(event.type).toBe("checkout.expired");
		expect(event.data).toMatchObject({ checkout_id: checkout.data?.checkout_id, amount: 25 });
		await advance(orderOf(ref), DAY_MS);
		expect((await merchantEvents(ref)).filter((e) => e.type === "checkout.expired")).toHaveLength(1);
	});

	it("order.authorization_aging once the authorization is older than the aging days with nothing captured", async () => {
		const ref = reference();
		await authorizedOrder(ref, 45);
		await settle(orderOf(ref));
		expect(await received("/a", ref)).toHaveLength(1);
		// EVENT_AUTHORIZATION_AGING_DAYS is 7: an hour short of it, nothing more.
		await advance(orderOf(ref), 7 * DAY_MS - HOUR_MS);
		expect(await received("/a", ref)).toHaveLength(1);
		await advance(orderOf(ref), 2 * HOUR_MS);
		const list = await received("/a", ref);
		expect(list).toHaveLength(2);
		const aging = list.map((r) => verified(r, SECRET_A)).find((e) => e.type === "order.authorization_aging");
		expect(aging?.data).toMatchObject({ amount: 45, sequence: 2, ledger: { authorized: 45, captured: 0 } });
		await advance(orderOf(ref), 7 * DAY_MS);
		expect((await merchantEvents(ref)).filter((e) => e.type === "order.authorization_aging")).toHaveLength(1);
	});
});

describe("the order's clock", () => {
	it("is moved by tests only: it is not on the order's RPC surface, so no caller of the order moves its time", async () => {
		const ref = reference();
		await authorizedOrder(ref, 15);
		const order = orderOf(ref);
		await expect(Promise.resolve(order.clock)).rejects.toThrow('does not implement "clock"');
	});
});

describe("never slows the caller", () => {
	it("an authorization is answered while its endpoint hangs", async () => {
		await script("/a", ["hang"], 10_000);
		const ref = reference();
		await authorizedOrder(ref, 20);
		// The endpoint holds the first delivery until the edge gives up on it (1.5 s): the authorization
		// was answered before that attempt ended, so it did not wait for it.
		const [event] = await merchantEvents(ref);
		expect(event?.deliveries[0]?.attempts).toBe(0);
		await settle(orderOf(ref));
		await nextAttemptAtA(ref);
		expect((await merchantEvents(ref))[0]?.deliveries[0]).toMatchObject({ status: "delivered", attempts: 2 });
	});
});

describe("the outbox is written with the change", () => {
	it("a write that fails keeps neither the authorization nor its event; the next write keeps both, once", async () => {
		const ref = reference();
		const order = orderOf(ref);
		const authorization = { authorization_id: 987_654_321, amount: 42, status: "authorized" };
		// The fault: the order's storage refuses the write that carries the ledger change and its event.
		await runInDurableObject(order, async (instance: Order, state) => {
			const put = state.storage.put;
			state.storage.put = (() => Promise.reject(new Error("storage fault"))) as typeof put;
			try {
				await expect(instance.recordAuthorization(CLIENT_ID, ref, authorization)).rejects.toThrow("storage fault");
			} finally {
				state.storage.put = put;
			}
		});
		// The runtime resets an object whose write failed: what it knows again is what storage kept.
		await evictDurableObject(order);
		expect(await readLedger(ref)).toBeUndefined();
		await runDurableObjectAlarm(order);
		expect(await received("/a", ref)).toEqual([]);

		await order.recordAuthorization(CLIENT_ID, ref, authorization);
		await settle(orderOf(ref));
		const [delivered] = await received("/a", ref);
		if (!delivered) throw new Error("not delivered");
		expect(verified(delivered, SECRET_A)).toMatchObject({
			type: "checkout.authorized",
			data: { sequence: 1, authorization_id: authorization.authorization_id, amount: 42 },
		});
		expect((await readLedger(ref))?.authorization?.authorization_id).toBe(authorization.authorization_id);
		expect(await merchantEvents(ref)).toHaveLength(1);
	});
});
