/**
 * Limits per caller (Cloudflare's Rate Limiting binding, run by miniflare) and request body limits.
 * This project runs the edge with the small limits of test-limits.ts; each test uses its own
 * merchant key, checkout or address, so the counters of one do not reach into another.
 */
import { describe, expect, it } from "vitest";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	ROTATED_MERCHANT_KEY,
	sandboxCalls,
} from "../edge/support.ts";
import { standardWebhook } from "../edge/webhooks-support.ts";
import { CREATION_TEST_KEY, TEST_LIMITS } from "./test-limits.ts";

/**
 * The limiter counts in windows aligned to the minute: start a burst early in one, so that it cannot
 * straddle two (the second would start counting afresh).
 */
async function startOfAWindow(): Promise<void> {
	const second = new Date().getUTCSeconds();
	if (second >= 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
}

const sequentially = async <T>(n: number, send: (i: number) => Promise<T>): Promise<T[]> => {
	const results: T[] = [];
	for (let i = 0; i < n; i++) results.push(await send(i));
	return results;
};

async function expectRateLimited(response: Response) {
	expect(response.status).toBe(429);
	expect(response.headers.get("retry-after")).toBe("60");
	expect(await response.json()).toMatchObject({ error: "rate_limited" });
}

describe("rate limits per caller", { timeout: 90_000 }, () => {
	it("a merchant key gets its limit of requests per minute, then 429 with Retry-After; other keys are unaffected", async () => {
		await startOfAWindow();
		const read = (key: string) =>
			edgeFetch(new Request(`${EDGE}/v1/orders/NO-SUCH-ORDER`, { headers: { authorization: `Bearer ${key}` } }));
		const statuses = await sequentially(
			TEST_LIMITS.MERCHANT_LIMITER,
			async () => (await read(ROTATED_MERCHANT_KEY)).status,
		);
		expect(statuses.every((status) => status === 404)).toBe(true);
		await expectRateLimited(await read(ROTATED_MERCHANT_KEY));
		expect((await read(MERCHANT_KEY)).status).toBe(404);
	});

	it("a merchant key opens at most its limit of checkouts per minute, and a refused one is not created", async () => {
		await startOfAWindow();
		const api = edgeApi(CREATION_TEST_KEY);
		const open = (reference: string) => api.POST("/v1/checkouts", { body: { reference, amount: 10 } });
		// Requests refused for their input open nothing and count for nothing (a probe found them counted).
		// (Each request of these counts under the key's requests, MERCHANT_LIMITER: all of them stay within it.)
		const invalid = await sequentially(TEST_LIMITS.CHECKOUT_CREATION_LIMITER, (i) =>
			api.POST("/v1/checkouts", { body: { reference: `LIMIT-BAD-${i}`, amount: -1 } }),
		);
		expect(invalid.map(({ response }) => response.status)).toEqual(invalid.map(() => 409));
		// Nor do re-creations of one checkout (a new client token) and conflicts with it (a probe found them counted).
		const again = `LIMIT-AGAIN-${crypto.randomUUID().slice(0, 8)}`;
		const reopened = await sequentially(TEST_LIMITS.CHECKOUT_CREATION_LIMITER + 1, (i) =>
			api.POST("/v1/checkouts", { body: { reference: again, amount: i % 2 === 0 ? 10 : 11 } }),
		);
		expect(reopened.map(({ response }) => response.status)).toEqual(reopened.map((_, i) => (i % 2 === 0 ? 201 : 409)));
		const opened = await sequentially(TEST_LIMITS.CHECKOUT_CREATION_LIMITER - 1, (i) =>
			open(`LIMIT-${i}-${crypto.randomUUID().slice(0, 8)}`),
		);
		expect(opened.map(({ response, error }) => [response.status, error])).toEqual(opened.map(() => [201, undefined]));
		const refusedReference = `LIMIT-X-${crypto.randomUUID().slice(0, 8)}`;
		const refused = await open(refusedReference);
		expect(refused.response.status).toBe(429);
		expect(refused.response.headers.get("retry-after")).toBe("60");
		expect(refused.error).toMatchObject({
			error: "rate_limited",
			message: "Too many checkouts opened with this merchant API key; try again in 60 s",
		});
		const ledger = await edgeApi(MERCHANT_KEY).GET("/v1/orders/{reference}", {
			params: { path: { reference: refusedReference } },
		});
		expect(ledger.response.status).toBe(404);
	});

	it("a checkout's client token gets its limit, then 429; the merchant still reads the checkout", async () => {
		await startOfAWindow();
		const checkout = await openCheckout();
		const read = () =>
			edgeFetch(
				new Request(`${EDGE}/v1/checkouts/${checkout.checkout_id}`, {
					headers: { authorization: `Bearer ${checkout.client_token}`, "cf-connecting-ip": "198.51.100.10" },
				}),
			);
		const statuses = await sequentially(TEST_LIMITS.CHECKOUT_LIMITER, async () => (await read()).status);
		expect(statuses.every((status) => status === 200)).toBe(true);
		await expectRateLimited(await read());
		// The shopper's forwarded Flexiti calls are under the same limit.
		const forwarded = await flexitiViaEdge(checkout.client_token).GET(
			"/v2.5/client-id/{client_id}/terms-and-conditions",
			{
				params: { path: { client_id: CLIENT_ID } },
				headers: { "cf-connecting-ip": "198.51.100.10", origin: "https://shop.example" },
			},
		);
		expect(forwarded.response.status).toBe(429);
		expect(forwarded.error).toMatchObject({ error: "rate_limited" });
		// The storefront's page may read when to try again (Retry-After is not a safelisted header).
		expect(forwarded.response.headers.get("access-control-allow-origin")).toBe("https://shop.example");
		expect(forwarded.response.headers.get("access-control-expose-headers")?.split(/,\s*/)).toContain("retry-after");
		expect(forwarded.response.headers.get("retry-after")).toBe("60");
		const merchant = await edgeApi(MERCHANT_KEY).GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(merchant.response.status).toBe(200);
	});

	it("one address on the shopper routes gets its limit, before any credential is checked", async () => {
		await startOfAWindow();
		const guess = (ip: string) =>
			edgeFetch(
				new Request(`${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/terms-and-conditions`, {
					headers: { authorization: `Bearer cst_${"0".repeat(64)}_${"A".repeat(43)}`, "cf-connecting-ip": ip },
				}),
			);
		const statuses = await sequentially(
			TEST_LIMITS.SHOPPER_IP_LIMITER,
			async () => (await guess("203.0.113.9")).status,
		);
		expect(statuses.every((status) => status === 401)).toBe(true);
		await expectRateLimited(await guess("203.0.113.9"));
		expect((await guess("203.0.113.10")).status).toBe(401);
	});

	it("a bearer that is no key (nor a client token) is limited by its address on every credentialed route; a merchant key from the same address is not", async () => {
		// A review found any `Bearer <not cst_…>` taken for a merchant key and let past the address limit.
		await startOfAWindow();
		const ip = "203.0.113.21";
		const paths = ["/v1/orders", "/readyz", `/flexiti/v2.5/client-id/${CLIENT_ID}/terms-and-conditions`];
		const send = (i: number, key = "not-a-key") =>
			edgeFetch(
				new Request(`${EDGE}${paths[i % paths.length]}`, {
					headers: { authorization: `Bearer ${key}`, "cf-connecting-ip": ip },
				}),
			);
		const statuses = await sequentially(TEST_LIMITS.SHOPPER_IP_LIMITER, async (i) => (await send(i)).status);
		expect(statuses).toEqual(statuses.map(() => 401));
		for (let i = 0; i < paths.length; i++) await expectRateLimited(await send(i));
		expect((await send(0, MERCHANT_KEY)).status).toBe(200);
	});

	it("the public routes (promotional message, hosted return) are limited by address whatever Authorization says", async () => {
		await startOfAWindow();
		const promo = (i: number) =>
			edgeFetch(
				new Request(`${EDGE}/v1/promotional-message?client_id=${CLIENT_ID}&amount=${100 + i}`, {
					headers: { authorization: "Bearer not-a-key", "cf-connecting-ip": "203.0.113.22" },
				}),
			);
		const answered = await sequentially(TEST_LIMITS.SHOPPER_IP_LIMITER, async (i) => (await promo(i)).status);
		expect(answered).toEqual(answered.map(() => 200));
		await expectRateLimited(await promo(99));
		const back = (i: number, authorization: string) =>
			edgeFetch(
				new Request(`${EDGE}/v1/hosted-checkouts/${CLIENT_ID}/return/success?orderId=${900000 + i}`, {
					headers: { authorization, "cf-connecting-ip": "203.0.113.23" },
					redirect: "manual",
				}),
			);
		const walked = await sequentially(TEST_LIMITS.SHOPPER_IP_LIMITER, async (i) => (await back(i, "Bearer x")).status);
		expect(walked.includes(429)).toBe(false);
		await expectRateLimited(await back(99, `Bearer ${MERCHANT_KEY}`));
	});

	it("webhooks from a valid signer are never dropped by a limit", async () => {
		await startOfAWindow();
		const count = Math.max(...Object.values(TEST_LIMITS)) + 5;
		const statuses = await sequentially(count, async () => {
			const response = await standardWebhook("order.cancelled", {
				reference: `NOT-OURS-${crypto.randomUUID().slice(0, 8)}`,
			});
			return response.status;
		});
		expect(statuses).toEqual(statuses.map(() => 200));
	});
});

describe("request body limits", () => {
	const large = JSON.stringify({ reference: "BIG", amount: 10, padding: "x".repeat(70 * 1024) });

	it("a checkout body over 64 KiB is refused with 413 before anything is created", async () => {
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: JSON.parse(large),
		});
		expect(response.status).toBe(413);
		expect(error).toMatchObject({ error: "payload_too_large" });
		const ledger = await edgeApi(MERCHANT_KEY).GET("/v1/orders/{reference}", {
			params: { path: { reference: "BIG" } },
		});
		expect(ledger.response.status).toBe(404);
	});

	it("a forwarded Flexiti body over 64 KiB, even sent without a length, is refused with 413 and never sent upstream", async () => {
		const chunks = new ReadableStream({
			start(controller) {
				controller.enqueue(new TextEncoder().encode(large));
				controller.close();
			},
		});
		// 413 is the edge's own answer, which the /flexiti surface's spec lists (edgeFetch checks it against it).
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5.1/client-id/${CLIENT_ID}/accounts/10000000000001/calculate-interest`, {
				method: "POST",
				headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
				body: chunks,
				duplex: "half",
			} as RequestInit),
		);
		expect(response.status).toBe(413);
		expect(await response.json()).toMatchObject({ error: "payload_too_large" });
		expect(await sandboxCalls("calculateInterest")).toEqual([]);
	});
});
