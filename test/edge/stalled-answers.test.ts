/**
 * Flexiti answers, then its body stalls after the headers (the sandbox's `stall` fault). The edge's
 * one upstream call (functions/edge/flexiti/upstream.ts, `upstreamExchange`) reads the body inside its own
 * timeout (`UPSTREAM_TIMEOUT_MS`, 1500 ms in the tests), so a stalled body is a timeout like a stalled
 * answer: a forwarded call answers the spec's 504 `upstream_timeout`, an order event's capture or
 * refund (made at Flexiti, its answer never read) is retried with the same idempotency key and is in
 * the ledger once, and the token broker's mint does not hang. Each stall is 20 s: far past the
 * timeout, so only the timeout can end the call. Times are checked from below (the timeout fired) and
 * with a loose bound above, far under the stall, so a loaded machine cannot fail them. With
 * the attempt handing back the answer before reading its body, all four wait out the stall (tried:
 * each timed out at 20 s).
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
	CLIENT_ID,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";
import { authorizedOrder, settledLedger, standardWebhook } from "./webhooks-support.ts";

const client_id = CLIENT_ID;
const TIMEOUT_MS = 1500; // UPSTREAM_TIMEOUT_MS in vitest.config.ts
const STALL_MS = 20_000;
/** Well under the stall: the call was ended by the timeout (and its safe retries), not by the body arriving. */
const ENDED_BY_TIMEOUT_MS = STALL_MS / 2;

beforeEach(resetSandbox);

async function stall(operation: string, count = 1): Promise<void> {
	const armed = await sandbox("POST", "/sandbox/faults", { operation, kind: "stall", delay_ms: STALL_MS, count });
	expect(armed.status).toBe(201);
}

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
	const started = Date.now();
	const result = await call();
	return { result, ms: Date.now() - started };
}

describe("an answer whose body stalls after its headers", () => {
	it("a forwarded call (a POST Flexiti takes no key for: one attempt) is a 504 upstream_timeout within the timeout", async () => {
		const shopper = flexitiViaEdge((await openCheckout()).client_token);
		await stall("initWidget");
		const { result, ms } = await timed(() =>
			shopper.POST("/v2.5/client-id/{client_id}/widget/init", {
				params: { path: { client_id } },
				body: { flow: "purchase", customer_identification: { account_number: 10000000000001 } },
			}),
		);
		expect(result.response.status).toBe(504);
		expect(result.error).toMatchObject({ error: "upstream_timeout" });
		expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
		expect(ms).toBeLessThan(ENDED_BY_TIMEOUT_MS);
		// Flexiti did answer (200) and began the widget: it was the body that never came.
		expect((await sandboxCalls("initWidget")).map((c) => c.status)).toEqual([200]);
	});

	it("an order event's capture: every attempt stalls, the event waits to retry, then captures once with the same key", async () => {
		const reference = `STALL-${crypto.randomUUID().slice(0, 8)}`;
		const { authorization_id } = await authorizedOrder(reference, 75);
		await stall("captureAuthorization", 3); // the edge's three attempts at one application of the event
		expect((await standardWebhook("order.fulfilled", { reference })).status).toBe(200);
		const ledger = await settledLedger(reference);
		const [event] = ledger.events;
		expect(event?.status).toBe("applied");
		expect(event?.history.map((h) => h.status)).toContain("retrying");
		expect(event?.history.find((h) => h.status === "retrying")?.detail).toBe("Flexiti did not answer in time");
		expect(ledger.captures.map((c) => c.amount)).toEqual([75]);
		expect(ledger.captured).toBe(75);
		// Flexiti made the capture on the first attempt; every later one was its idempotent replay.
		const calls = await sandboxCalls("captureAuthorization");
		expect(calls.map((c) => c.status)).toEqual([200, 200, 200, 200]);
		expect(new Set(calls.map((c) => c.idempotency_key)).size).toBe(1);
		const { data } = await flexitiViaEdge(MERCHANT_KEY).GET(
			"/v2.5.1/client-id/{client_id}/authorization/{authorization_id}",
			{ params: { path: { client_id, authorization_id } } },
		);
		expect(data).toMatchObject({ captured_amount: 75 });
		expect(data?.captures).toHaveLength(1);
	});

	it("an order event's refund: the stalled attempt is retried at once with the same key, one return", async () => {
		const reference = `STALL-${crypto.randomUUID().slice(0, 8)}`;
		await authorizedOrder(reference, 150);
		await standardWebhook("order.fulfilled", { reference });
		expect((await settledLedger(reference)).captured).toBe(150);
		await stall("returnCapture");
		await standardWebhook("order.refunded", { reference, amount: 40 });
		const ledger = await settledLedger(reference);
		expect(ledger.events.at(-1)?.status).toBe("applied");
		expect(ledger.refunds.map((r) => [r.kind, r.amount])).toEqual([["return", 40]]);
		expect(ledger.refunded).toBe(40);
		const returns = await sandboxCalls("returnCapture");
		expect(returns.map((c) => c.status)).toEqual([200, 200]);
		expect(new Set(returns.map((c) => c.idempotency_key)).size).toBe(1);
		// At Flexiti the credit came back once: 150 captured, 40 returned.
		const account = (await (await sandbox("GET", "/sandbox/accounts/10000000000001")).json()) as {
			available_credit: number;
			credit_limit: number;
		};
		expect(account.available_credit).toBe(account.credit_limit - 150 + 40);
	});

	it("the token broker's mint does not hang: that call is a 503 token_unavailable within the timeout, the next mints", async () => {
		const merchant = flexitiViaEdge(MERCHANT_KEY);
		const listCaptures = () =>
			merchant.GET("/v2.5.1/client-id/{client_id}/captures", { params: { path: { client_id } } });
		await stall("createToken");
		const { result, ms } = await timed(listCaptures);
		expect(result.response.status).toBe(503);
		expect(result.error).toMatchObject({ error: "token_unavailable" });
		expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
		expect(ms).toBeLessThan(ENDED_BY_TIMEOUT_MS);
		// The broker is not left waiting on the stalled body: the next request mints, and is served.
		expect((await listCaptures()).response.status).toBe(200);
		expect((await sandboxCalls("createToken")).map((c) => [c.grant_type, c.status])).toEqual([
			["client_credentials", 200],
			["client_credentials", 200],
		]);
	});
});
