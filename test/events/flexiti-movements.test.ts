/**
 * Money moved through `/flexiti` for an order (a merchant's capture, release, return or refund) is
 * told to the merchant's systems as money moved by the order system's webhooks is: the same
 * `order.captured`, `order.released` and `order.refunded` events, exactly once per movement (keyed
 * by Flexiti's ids, or the call's idempotency key where Flexiti's answer has none) — a retried call
 * whose answer was lost, and two at once, make one event. Issue 17.
 */
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, it } from "vitest";
import type { components } from "../../generated/edge-api.ts";
import { orderOf, settle } from "../edge/alarms.ts";
import { CLIENT_ID, flexitiViaEdge, MERCHANT_KEY, resetSandbox, sandbox } from "../edge/support.ts";
import { authorizedOrder, merchantAuthorization, readLedger, standardWebhook } from "../edge/webhooks-support.ts";
import { heldAtFlexiti, type Received, received, resetReceiver, SECRET_A, withFault } from "./support.ts";

type MerchantEvent = components["schemas"]["MerchantEvent"];

const client_id = CLIENT_ID;
const JANE = 10000000000001;
const merchant = () => flexitiViaEdge(MERCHANT_KEY);
const reference = () => `FX-${crypto.randomUUID().slice(0, 8)}`;

beforeEach(async () => {
	await resetSandbox();
	await resetReceiver();
});

function events(list: Received[]): MerchantEvent[] {
	return list
		.map((r) => new Webhook(SECRET_A).verify(r.body, r.headers) as MerchantEvent)
		.sort((x, y) => x.data.sequence - y.data.sequence);
}

/** The events endpoint A received for this order, once the order's alarm has delivered all that was due. */
async function eventsAt(ref: string): Promise<MerchantEvent[]> {
	await settle(orderOf(ref));
	return events(await received("/a", ref));
}

function capture(authorizationId: number | bigint, amount: number, idempotencyKey: string) {
	return merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
		params: { path: { client_id, authorization_id: authorizationId }, header: { "x-idempotency-key": idempotencyKey } },
		body: { amount },
	});
}

describe("money moved through /flexiti is told to the merchant's systems", () => {
	it("an authorization captured at once (auto_capture) is told as authorized, then captured with its capture id", async () => {
		// An outside probe: the ledger had the capture, and an endpoint for order.captured alone heard nothing.
		const ref = reference();
		const authorized = await (await merchantAuthorization(ref, 75, { auto_capture: true }))();
		expect(authorized.response.status).toBe(200);
		const told = await eventsAt(ref);
		expect(told.map((e) => [e.type, e.data.amount, e.data.ledger.captured])).toEqual([
			["checkout.authorized", 75, 0],
			["order.captured", 75, 75],
		]);
		const ledger = await readLedger(ref);
		expect(told[1]?.data.capture_id).toBe(ledger?.captures[0]?.capture_id);
		expect(told[1]?.data.capture_id).toBeDefined();
	});

	it("a capture through /flexiti while an order event's own capture waits on Flexiti: each is told once", async () => {
		// The order lets the forwarded capture in while the event's call awaits Flexiti; the event then
		// told every capture the ledger gained meanwhile, the forwarded one a second time (found by a review).
		await withFault({ operation: "captureAuthorization", kind: "slow", delay_ms: 800 }, async (faultId) => {
			const ref = reference();
			const { authorization_id } = await authorizedOrder(ref, 100);
			expect((await standardWebhook("order.fulfilled", { reference: ref, amount: 40 })).status).toBe(200);
			if (!(await heldAtFlexiti(faultId))) return false; // the order's alarm is applying it, held at Flexiti
			const forwarded = await capture(authorization_id, 30, crypto.randomUUID());
			expect(forwarded.response.status).toBe(200);
			const captured = (await eventsAt(ref)).filter((e) => e.type === "order.captured");
			expect(captured.map((e) => e.data.amount).sort()).toEqual([30, 40]);
			expect(new Set(captured.map((e) => e.data.capture_id)).size).toBe(2);
			expect(captured.find((e) => e.data.amount === 30)?.data.order_event_id).toBeUndefined();
			return true;
		});
	});

	it("a capture, a return and a release: order.captured, order.refunded, order.released, with the ledger after each", async () => {
		const ref = reference();
		const { authorization_id } = await authorizedOrder(ref, 100);
		const captured = await capture(authorization_id, 60, crypto.randomUUID());
		expect(captured.response.status).toBe(200);
		const captureId = captured.data?.capture_id ?? 0;
		const returned = await merchant().POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture/{capture_id}/return",
			{
				params: { path: { client_id, authorization_id, capture_id: captureId } },
				body: { amount: 10, reference: `${ref}-R` },
			},
		);
		expect(returned.response.status).toBe(200);
		const released = await merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/release", {
			params: { path: { client_id, authorization_id } },
			body: { amount: 40 },
		});
		expect(released.response.status).toBe(200);

		const list = await eventsAt(ref);
		expect(list.map((e) => e.type)).toEqual([
			"checkout.authorized",
			"order.captured",
			"order.refunded",
			"order.released",
		]);
		expect(list[1]?.data).toMatchObject({ amount: 60, capture_id: captureId, ledger: { captured: 60 } });
		expect(list[1]?.data.order_event_id).toBeUndefined(); // not an order system's event
		expect(list[2]?.data).toMatchObject({
			amount: 10,
			capture_id: captureId,
			refund_kind: "return",
			ledger: { refunded: 10 },
		});
		expect(list[3]?.data).toMatchObject({ amount: 40, ledger: { authorized: 100, captured: 60, released: 40 } });
	});

	it("an account refund: order.refunded, kind refund", async () => {
		const ref = reference();
		const { authorization_id } = await authorizedOrder(ref, 80, false);
		const captured = await capture(authorization_id, 80, crypto.randomUUID());
		const refunded = await merchant().POST("/v2.5/client-id/{client_id}/accounts/{account_number}/refund", {
			params: { path: { client_id, account_number: JANE } },
			body: { capture_id: captured.data?.capture_id ?? 0, amount: 30, reference: `${ref}-RF` },
		});
		expect(refunded.response.status).toBe(200);
		const list = await eventsAt(ref);
		expect(list.map((e) => e.type)).toEqual(["checkout.authorized", "order.captured", "order.refunded"]);
		expect(list[2]?.data).toMatchObject({ amount: 30, refund_kind: "refund", capture_id: captured.data?.capture_id });
	});

	it("a capture whose answer was lost, sent again with its idempotency key: one order.captured", async () => {
		const ref = reference();
		const { authorization_id } = await authorizedOrder(ref, 100);
		const key = crypto.randomUUID();
		// Flexiti captures, but its answer is lost; the edge's retries (same key) get Flexiti's replay.
		await sandbox("POST", "/sandbox/faults", { operation: "captureAuthorization", kind: "drop" });
		const first = await capture(authorization_id, 50, key);
		// The merchant, unsure, sends it again with the same key: Flexiti replays the same capture.
		const again = await capture(authorization_id, 50, key);
		expect(again.data?.capture_id).toBe(first.data?.capture_id ?? again.data?.capture_id);
		const list = await eventsAt(ref);
		expect(list.map((e) => e.type)).toEqual(["checkout.authorized", "order.captured"]);
	});

	it("the same capture twice at once: one order.captured", async () => {
		const ref = reference();
		const { authorization_id } = await authorizedOrder(ref, 100);
		const key = crypto.randomUUID();
		const both = await Promise.all([capture(authorization_id, 30, key), capture(authorization_id, 30, key)]);
		expect(both.map((r) => r.response.status)).toEqual([200, 200]);
		const list = await eventsAt(ref);
		expect(list.map((e) => e.type)).toEqual(["checkout.authorized", "order.captured"]);
	});
});
