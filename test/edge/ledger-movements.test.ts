/**
 * Every money movement that passes through the edge enters its order's ledger once, whichever door
 * it came through (issue 17 item 2): a merchant's capture, release, return and refund through
 * `/flexiti`, as well as the order events the ledger applies itself, and the webhooks' guards count
 * both. And the ledger's authorization status is Flexiti's, after every movement (issue 19 item 2).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { CLIENT_ID, flexitiViaEdge, MERCHANT_KEY, resetSandbox, sandbox, sandboxCalls } from "./support.ts";
import { authorizedOrder, readLedger, settledLedger, standardWebhook } from "./webhooks-support.ts";

beforeEach(resetSandbox);

const client_id = CLIENT_ID;
const JANE = 10000000000001;
const merchant = () => flexitiViaEdge(MERCHANT_KEY);
const newReference = () => `LEDGER-${crypto.randomUUID().slice(0, 8)}`;

function capture(authorizationId: number | bigint, amount: number, idempotencyKey?: string) {
	return merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
		params: {
			path: { client_id, authorization_id: authorizationId },
			...(idempotencyKey ? { header: { "x-idempotency-key": idempotencyKey } } : {}),
		},
		body: { amount },
	});
}

/** Flexiti's own status of the authorization (read through the edge, as a merchant would). */
async function flexitiStatus(authorizationId: number | bigint) {
	const { data } = await merchant().GET("/v2.5.1/client-id/{client_id}/authorization/{authorization_id}", {
		params: { path: { client_id, authorization_id: authorizationId } },
	});
	return data?.status;
}

async function ledgerOf(reference: string) {
	const ledger = await readLedger(reference);
	if (!ledger) throw new Error(`no ledger for ${reference}`);
	return ledger;
}

describe("money moved through /flexiti enters the order's ledger", () => {
	it("a partial capture: its capture id and amount, once; the authorization stays opened, as Flexiti says", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 249.99);
		const { data } = await capture(authorization_id, 100);
		expect(data?.remaining_authorization_amount).toBe(149.99);
		const ledger = await ledgerOf(reference);
		expect(ledger.captures).toEqual([{ capture_id: data?.capture_id, amount: 100, date: data?.date, via: "flexiti" }]);
		expect(ledger.captured).toBe(100);
		expect(ledger.authorization?.status).toBe("opened");
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});

	it("a full capture: the ledger says closed, as Flexiti does", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 80);
		await capture(authorization_id, 80);
		const ledger = await ledgerOf(reference);
		expect(ledger.captured).toBe(80);
		expect(await flexitiStatus(authorization_id)).toBe("closed");
		expect(ledger.authorization?.status).toBe("closed");
	});

	it("a release: the amount released, and Flexiti's status", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 120);
		await capture(authorization_id, 20);
		const released = await merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/release", {
			params: { path: { client_id, authorization_id: authorization_id } },
			body: {},
		});
		expect(released.data?.amount).toBe(100);
		const ledger = await ledgerOf(reference);
		expect(ledger.released).toBe(100);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
		expect(ledger.authorization?.status).toBe("closed");
	});

	it("a return against a capture: kind return, with Flexiti's return id", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 200);
		const captured = (await capture(authorization_id, 200)).data;
		const { data } = await merchant().POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture/{capture_id}/return",
			{
				params: {
					path: { client_id, authorization_id: authorization_id, capture_id: captured?.capture_id ?? 0 },
				},
				body: { amount: 45.5, reference: `${reference}-R1` },
			},
		);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds).toEqual([
			{
				capture_id: captured?.capture_id,
				amount: 45.5,
				kind: "return",
				date: expect.any(String),
				return_id: data?.return_id,
				via: "flexiti",
			},
		]);
		expect(ledger.refunded).toBe(45.5);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});

	it("an account refund (which names only the account and the capture): kind refund", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 90, false);
		const captured = (await capture(authorization_id, 90)).data;
		const refunded = await merchant().POST("/v2.5/client-id/{client_id}/accounts/{account_number}/refund", {
			params: { path: { client_id, account_number: JANE } },
			body: { capture_id: captured?.capture_id ?? 0, amount: 30, reference: `${reference}-RF1` },
		});
		expect(refunded.response.status).toBe(200);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds).toEqual([
			{ capture_id: captured?.capture_id, amount: 30, kind: "refund", date: expect.any(String), via: "flexiti" },
		]);
		expect(ledger.refunded).toBe(30);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});

	it("an auto-captured authorization the merchant makes for the reference brings its capture", async () => {
		const reference = newReference();
		const request_id = crypto.randomUUID();
		const verify = await merchant().POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
			params: { path: { client_id, account_number: JANE } },
			body: { format: "security_question", security_qid: 7, security_answer: "maple", request_id },
		});
		const { data } = await merchant().POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: {
				account_number: Number(JANE),
				financing_option: { transaction_type: "regular_purchase" },
				amount: 19.99,
				auto_capture: true,
				reference,
				verification_code: verify.data?.verification_code ?? 0,
				request_id,
			},
		});
		const ledger = await ledgerOf(reference);
		expect(ledger.captures.map((c) => [c.capture_id, c.amount, c.via])).toEqual(
			(data?.captures ?? []).map((c) => [c.capture_id, 19.99, "flexiti"]),
		);
		expect(ledger.captured).toBe(19.99);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(data?.authorization_id ?? 0));
		// Its shipments were paid for when it was authorized: nothing to capture, and nothing wrong (a
		// review found each one refused and told as capture_exceeds_authorization).
		await standardWebhook("order.fulfilled", { reference, amount: 19.99 });
		const shipped = await settledLedger(reference);
		expect(shipped.events.map((e) => [e.status, e.outcome])).toEqual([["applied", "already captured in full"]]);
		expect(shipped.merchant_events.map((e) => e.type)).not.toContain("order.event_refused");
	});
});

describe("once, keyed by Flexiti's ids", () => {
	it("the same capture sent twice with one idempotency key (a merchant's retry) is one capture in the ledger", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		const first = await capture(authorization_id, 40, "back-office-capture-1");
		const again = await capture(authorization_id, 40, "back-office-capture-1");
		expect(again.data?.capture_id).toBe(first.data?.capture_id);
		const ledger = await ledgerOf(reference);
		expect(ledger.captures.map((c) => c.capture_id)).toEqual([first.data?.capture_id]);
		expect(ledger.captured).toBe(40);
	});

	it("the same capture racing itself (five at once, one key) is one capture in the ledger", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		const answers = await Promise.all(Array.from({ length: 5 }, () => capture(authorization_id, 25, "race-key-1")));
		const ids = new Set(answers.map((a) => a.data?.capture_id));
		expect(ids.size).toBe(1);
		const ledger = await ledgerOf(reference);
		expect(ledger.captures.map((c) => c.capture_id)).toEqual([...ids]);
		expect(ledger.captured).toBe(25);
	});

	it("a capture whose answer was lost is retried by the edge with the same key: one capture, once in the ledger", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		await sandbox("POST", "/sandbox/faults", { operation: "captureAuthorization", kind: "drop" });
		const { data } = await capture(authorization_id, 60);
		const calls = await sandboxCalls("captureAuthorization");
		expect(calls.map((c) => c.status)).toEqual([503, 200]);
		const ledger = await ledgerOf(reference);
		expect(ledger.captures).toEqual([{ capture_id: data?.capture_id, amount: 60, date: data?.date, via: "flexiti" }]);
	});
});

describe("once for every movement, not only captures: each raced with one key, and each with its answer lost", () => {
	const release = (authorizationId: number | bigint, key: string) =>
		merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/release", {
			params: { path: { client_id, authorization_id: authorizationId }, header: { "x-idempotency-key": key } },
			body: {},
		});
	const giveBack = (authorizationId: number | bigint, captureId: number, amount: number, key?: string) =>
		merchant().POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture/{capture_id}/return", {
			params: {
				path: { client_id, authorization_id: authorizationId, capture_id: captureId },
				...(key ? { header: { "x-idempotency-key": key } } : {}),
			},
			body: { amount },
		});
	const refund = (captureId: number, amount: number, key?: string) =>
		merchant().POST("/v2.5/client-id/{client_id}/accounts/{account_number}/refund", {
			params: { path: { client_id, account_number: JANE }, ...(key ? { header: { "x-idempotency-key": key } } : {}) },
			body: { capture_id: captureId, amount },
		});
	/** An order authorized for `amount` and captured in full: the capture's id. */
	async function capturedOrder(reference: string, amount: number, promotional = true) {
		const { authorization_id } = await authorizedOrder(reference, amount, promotional);
		const captured = (await capture(authorization_id, amount)).data;
		if (!captured) throw new Error("no capture");
		return { authorization_id, capture_id: captured.capture_id };
	}

	it("a release racing itself (five at once, one key): released once", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		const answers = await Promise.all(Array.from({ length: 5 }, () => release(authorization_id, "release-race")));
		expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
		expect((await ledgerOf(reference)).released).toBe(100);
	});

	it("a return racing itself (five at once, one key): one return in the ledger", async () => {
		const reference = newReference();
		const { authorization_id, capture_id } = await capturedOrder(reference, 100);
		const answers = await Promise.all(
			Array.from({ length: 5 }, () => giveBack(authorization_id, capture_id, 30, "return-race")),
		);
		expect(new Set(answers.map((a) => String(a.data?.return_id))).size).toBe(1);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["return", 30]]);
		expect(ledger.refunded).toBe(30);
	});

	it("an account refund racing itself (five at once, one key; Flexiti gives it no id): one refund in the ledger", async () => {
		const reference = newReference();
		const { capture_id } = await capturedOrder(reference, 90, false);
		const answers = await Promise.all(Array.from({ length: 5 }, () => refund(capture_id, 20, "refund-race")));
		expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200, 200, 200]);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["refund", 20]]);
		expect(ledger.refunded).toBe(20);
	});

	it("a return whose answer was lost is sent again with the same key: one return, once in the ledger", async () => {
		const reference = newReference();
		const { authorization_id, capture_id } = await capturedOrder(reference, 100);
		await sandbox("POST", "/sandbox/faults", { operation: "returnCapture", kind: "drop" });
		const { data } = await giveBack(authorization_id, capture_id, 25);
		expect((await sandboxCalls("returnCapture")).map((c) => c.status)).toEqual([503, 200]);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds.map((r) => [r.kind, r.amount, String(r.return_id)])).toEqual([
			["return", 25, String(data?.return_id)],
		]);
	});

	it("an account refund whose answer was lost is sent again with the same key: one refund, once in the ledger", async () => {
		const reference = newReference();
		const { capture_id } = await capturedOrder(reference, 90, false);
		await sandbox("POST", "/sandbox/faults", { operation: "refundAccount", kind: "drop" });
		const { response } = await refund(capture_id, 15);
		expect(response.status).toBe(200);
		expect((await sandboxCalls("refundAccount")).map((c) => c.status)).toEqual([503, 200]);
		const ledger = await ledgerOf(reference);
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["refund", 15]]);
		expect(ledger.refunded).toBe(15);
	});
});

describe("the webhooks' guards count what moved through /flexiti", () => {
	it("a webhook capture after a /flexiti capture takes only what remains; both are in the ledger", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 200);
		const first = (await capture(authorization_id, 80)).data;
		await standardWebhook("order.fulfilled", { reference });
		const ledger = await settledLedger(reference);
		expect(ledger.captures.map((c) => [c.capture_id, c.amount, c.via])).toEqual([
			[first?.capture_id, 80, "flexiti"],
			[expect.any(Number), 120, "order_event"],
		]);
		expect(ledger.captured).toBe(200);
		expect(ledger.authorization?.status).toBe("closed");
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});

	it("a webhook asking to capture more than a /flexiti capture left is refused, sending nothing", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 200);
		await capture(authorization_id, 150);
		await standardWebhook("order.fulfilled", { reference, amount: 100 });
		const ledger = await settledLedger(reference);
		expect(ledger.events[0]).toMatchObject({ status: "refused", outcome: expect.stringContaining("50 remains") });
		expect((await sandboxCalls("captureAuthorization")).filter((c) => c.status === 200)).toHaveLength(1);
		expect(ledger.captured).toBe(150);
	});

	it("a webhook refund after a /flexiti refund cannot give back more than was captured", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 90, false);
		const captured = (await capture(authorization_id, 90)).data;
		await merchant().POST("/v2.5/client-id/{client_id}/accounts/{account_number}/refund", {
			params: { path: { client_id, account_number: JANE } },
			body: { capture_id: captured?.capture_id ?? 0, amount: 60 },
		});
		await standardWebhook("order.refunded", { reference, amount: 40 });
		const ledger = await settledLedger(reference);
		expect(ledger.events[0]).toMatchObject({ status: "refused" });
		expect(ledger.refunded).toBe(60);
		expect((await sandboxCalls("refundAccount")).filter((c) => c.status === 200)).toHaveLength(1);
	});
});

describe("the ledger's authorization status follows Flexiti after order events too", () => {
	it("partial capture: opened; full capture: closed", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		await standardWebhook("order.fulfilled", { reference, amount: 30 });
		let ledger = await settledLedger(reference);
		expect(ledger.authorization?.status).toBe("opened");
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
		await standardWebhook("order.fulfilled", { reference });
		ledger = await settledLedger(reference);
		expect(ledger.captured).toBe(100);
		expect(ledger.authorization?.status).toBe("closed");
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});

	it("release (an order cancelled before it shipped): released, as Flexiti says", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 100);
		await standardWebhook("order.cancelled", { reference });
		const ledger = await settledLedger(reference);
		expect(ledger.released).toBe(100);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
		expect(ledger.authorization?.status).toBe("released");
	});

	it("refund after a full capture: the status stays Flexiti's", async () => {
		const reference = newReference();
		const { authorization_id } = await authorizedOrder(reference, 90, false);
		await standardWebhook("order.fulfilled", { reference });
		await standardWebhook("order.refunded", { reference, amount: 40 });
		const ledger = await settledLedger(reference);
		expect(ledger.refunded).toBe(40);
		expect(ledger.authorization?.status).toBe(await flexitiStatus(authorization_id));
	});
});
