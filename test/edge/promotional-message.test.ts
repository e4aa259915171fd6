/**
 * "As low as $X/month" for product pages: GET /v1/promotional-message answers from Flexiti's Online
 * API payment calculator (the local sandbox), cached at the edge. Public and CORS'd for the
 * storefront origins; a slow or failing Flexiti gives the page no message (204), never an error or
 * a wait; many page views make one Flexiti call per amount and language.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type PromoAnswer, PromoCache, promoCache } from "../../functions/edge/flexiti/promo-cache.ts";
import { CLIENT_ID, EDGE, edgeFetch, resetSandbox, sandbox, sandboxCalls } from "./support.ts";

/** Each test its own prices: the Cache API outlives a test, and these answers must come from Flexiti first. */
let nextPrice = 100 + Math.floor(Math.random() * 50_000) / 100;
const freshPrice = () => {
	nextPrice += 13.37;
	return Math.round(nextPrice * 100) / 100;
};

function promo(
	amount: number | string,
	lang = "en",
	headers: Record<string, string> = {},
	clientId: string = CLIENT_ID,
) {
	const query = new URLSearchParams({ client_id: clientId, amount: String(amount), lang });
	return edgeFetch(new Request(`${EDGE}/v1/promotional-message?${query}`, { headers }));
}

async function calculatorCalls(): Promise<number> {
	return (await sandboxCalls("getPaymentCalculator")).length;
}

beforeEach(async () => {
	await resetSandbox();
	promoCache.clearMemory();
});
afterEach(async () => {
	await sandbox("DELETE", "/sandbox/faults");
});

describe("GET /v1/promotional-message", () => {
	it('answers "as low as" from Flexiti\'s calculator, in English and French, without a credential', {
		timeout: 60_000,
	}, async () => {
		const price = freshPrice();
		// A cold start (a token to mint, then the calculator) may take longer than a page waits: then 204, and the next view has it.
		await expect.poll(async () => (await promo(price)).status, { timeout: 20_000, interval: 200 }).toBe(200);
		const en = await promo(price);
		expect(en.headers.get("x-promo-cache")).toBe("memory");
		const body = (await en.json()) as { monthly_payment: number; months: number; text: string };
		expect(body.text).toBe(`As low as $${body.monthly_payment.toFixed(2)}/month`);
		expect(body.months).toBeGreaterThan(0);

		await expect.poll(async () => (await promo(price, "fr")).status, { timeout: 20_000, interval: 200 }).toBe(200);
		const fr = (await (await promo(price, "fr")).json()) as { monthly_payment: number; text: string };
		expect(fr.monthly_payment).toBe(body.monthly_payment);
		expect(fr.text).toBe(`À partir de ${body.monthly_payment.toFixed(2).replace(".", ",")} $/mois`);
		expect(en.headers.get("cache-control")).toBe("public, max-age=300");
	});

	it("is readable from a storefront origin (CORS), not from others", async () => {
		const price = freshPrice();
		const allowed = await promo(price, "en", { origin: "https://shop.example" });
		expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.example");
		const other = await promo(price, "en", { origin: "https://evil.example" });
		expect(other.headers.get("access-control-allow-origin")).toBeNull();
		const preflight = await edgeFetch(
			new Request(`${EDGE}/v1/promotional-message?amount=10`, {
				method: "OPTIONS",
				headers: { origin: "https://shop.example", "access-control-request-method": "GET" },
			}),
		);
		expect(preflight.status).toBe(204);
	});

	it("300 page views over 5 prices and 2 languages make one Flexiti call per price and language", {
		timeout: 90_000,
	}, async () => {
		const prices = [freshPrice(), freshPrice(), freshPrice(), freshPrice(), freshPrice()];
		const views = Array.from({ length: 300 }, (_, i) => ({
			price: prices[i % prices.length] as number,
			lang: i % 2 === 0 ? "en" : "fr",
		}));
		for (let start = 0; start < views.length; start += 50) {
			const statuses = await Promise.all(
				views.slice(start, start + 50).map(async ({ price, lang }) => (await promo(price, lang)).status),
			);
			for (const status of statuses) expect([200, 204]).toContain(status);
		}
		// Background calls (a view that did not wait) may still be finishing: wait until every pair has an answer.
		for (const price of prices) {
			for (const lang of ["en", "fr"]) {
				await expect.poll(async () => (await promo(price, lang)).status, { timeout: 20_000 }).toBe(200);
			}
		}
		expect(await calculatorCalls()).toBeLessThanOrEqual(prices.length * 2);
		expect(await calculatorCalls()).toBeGreaterThanOrEqual(prices.length * 2);
	});

	it("Flexiti down: no message (204) at once, and a second view does not call Flexiti again", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "getPaymentCalculator", count: 3, status: 503 });
		const price = freshPrice();
		const first = await promo(price);
		expect(first.status).toBe(204);
		expect(await first.text()).toBe("");
		// The edge's GET retries (3 attempts) all met the outage.
		await expect.poll(calculatorCalls, { timeout: 20_000 }).toBe(3);
		await expect.poll(async () => (await promo(price)).headers.get("x-promo-cache")).toBe("unavailable");
		expect(await calculatorCalls()).toBe(3);
	});

	it("Flexiti slower than PROMO_TIMEOUT_MS: the page gets no message without waiting; the answer is cached for the next view", {
		timeout: 60_000,
	}, async () => {
		// Mint the Online API token first, so the wait measured is the calculator's alone.
		const warm = freshPrice();
		await expect.poll(async () => (await promo(warm)).status, { timeout: 20_000 }).toBe(200);
		await sandbox("POST", "/sandbox/faults", { operation: "getPaymentCalculator", kind: "slow", delay_ms: 1400 });
		const price = freshPrice();
		const started = Date.now();
		const slow = await promo(price);
		expect(slow.status).toBe(204);
		expect(slow.headers.get("x-promo-cache")).toBe("timeout");
		expect(Date.now() - started).toBeLessThan(1400);
		await expect.poll(async () => (await promo(price)).status, { timeout: 20_000 }).toBe(200);
	});

	it("a wrong amount is a 409 naming it; an unknown client a 404; neither calls Flexiti", async () => {
		const wrong = await promo("lots");
		expect(wrong.status).toBe(409);
		expect(await wrong.json()).toMatchObject({ error: "wrong_inputs", field_errors: [{ param: "amount" }] });
		const negative = await promo(-5);
		expect(negative.status).toBe(409);
		// A number as JSON writes one: Number() would also read these (an outside probe had 0x10 read as 16).
		for (const misread of ["0x10", " 10 ", "+100", "1_000", "Infinity", "10.", ".5", "0b11", ""]) {
			const response = await promo(misread);
			expect(response.status, JSON.stringify(misread)).toBe(409);
			expect(await response.json()).toMatchObject({ field_errors: [{ param: "amount", value: misread }] });
		}
		const unknown = await promo(10, "en", {}, "someone-else");
		expect(unknown.status).toBe(404);
		// The same code as on every other route for a client not configured (a probe found `not_found` here).
		expect(await unknown.json()).toMatchObject({ error: "unknown_client" });
		expect(await calculatorCalls()).toBe(0);
		expect((await promo("1e3")).status).toBe(200); // JSON's own way to write 1000
	});
});

describe("PromoCache (a clock of its own)", () => {
	/** A cache on a clock the test moves, asking a Flexiti the test answers for (`answer`, or `down`). */
	function onOwnClock() {
		const world = {
			now: 1_000_000,
			calls: 0,
			down: false,
			answer: { monthlyPayment: 10, months: 12 } as PromoAnswer,
			pending: [] as Promise<unknown>[],
		};
		const deps = {
			now: () => world.now,
			freshMs: 60_000,
			timeoutMs: 1000,
			waitUntil: (promise: Promise<unknown>) => world.pending.push(promise),
			fetchAnswer: async () => {
				world.calls += 1;
				if (world.down) throw new Error("Flexiti answered 503");
				return world.answer;
			},
		};
		const settled = () => Promise.all(world.pending.splice(0));
		return { cache: new PromoCache(), deps, world, settled };
	}

	it("serves a stale answer while one refresh runs, then the refreshed one", async () => {
		const { cache, deps, world, settled } = onOwnClock();
		expect(await cache.lookup("k", deps)).toEqual({ answer: { monthlyPayment: 10, months: 12 }, source: "flexiti" });
		expect(await cache.lookup("k", deps)).toMatchObject({ source: "memory" });
		world.now += 61_000;
		world.answer = { monthlyPayment: 11, months: 12 };
		const [a, b] = await Promise.all([cache.lookup("k", deps), cache.lookup("k", deps)]);
		expect(a).toEqual({ answer: { monthlyPayment: 10, months: 12 }, source: "stale" });
		expect(b.source).toBe("stale");
		await settled();
		expect(world.calls).toBe(2);
		expect(await cache.lookup("k", deps)).toEqual({ answer: { monthlyPayment: 11, months: 12 }, source: "memory" });
	});

	it("Flexiti down when the answer is stale: the stale answer stays served (stale-if-error), asked again after a pause", async () => {
		// An outside probe saw the message dropped (204) for every view after one failed refresh.
		const { cache, deps, world, settled } = onOwnClock();
		await cache.lookup("k", deps);
		world.now += 61_000;
		world.down = true;
		expect(await cache.lookup("k", deps)).toMatchObject({ source: "stale" });
		await settled();
		expect(world.calls).toBe(2);
		for (let view = 0; view < 5; view++) {
			expect(await cache.lookup("k", deps)).toEqual({ answer: { monthlyPayment: 10, months: 12 }, source: "stale" });
		}
		expect(world.calls).toBe(2); // not asked again within the pause
		world.now += 31_000;
		world.down = false;
		expect(await cache.lookup("k", deps)).toMatchObject({ source: "stale" });
		await settled();
		expect(world.calls).toBe(3);
		expect(await cache.lookup("k", deps)).toEqual({ answer: { monthlyPayment: 10, months: 12 }, source: "memory" });
	});

	it("shares answers between isolates through the Cache API", async () => {
		const shared = await caches.open(`promo-test-${crypto.randomUUID()}`);
		let calls = 0;
		const deps = {
			cache: shared,
			now: Date.now,
			freshMs: 60_000,
			timeoutMs: 1000,
			waitUntil: () => {},
			fetchAnswer: async () => {
				calls += 1;
				return { monthlyPayment: 5, months: 6 };
			},
		};
		await new PromoCache().lookup("k", deps);
		expect(await new PromoCache().lookup("k", deps)).toEqual({
			answer: { monthlyPayment: 5, months: 6 },
			source: "cache",
		});
		expect(calls).toBe(1);
	});
});
