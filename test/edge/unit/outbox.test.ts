/** The outbox's pure rules: the backoff schedule, how an attempt's result is recorded, the retry window. */
import { describe, expect, it } from "vitest";
import { type Delivery, recordAttempt, retryDelay } from "../../../functions/edge/orders/outbox.ts";

const base = 5000;
const fresh = (retryUntil = 72 * 3_600_000): Delivery => ({
	id: "1.1",
	endpoint: "https://merchant.example/events",
	status: "pending",
	attempts: 0,
	retryUntil,
	nextAttemptAt: 0,
});

describe("retryDelay", () => {
	it("grows fivefold from the base, capped at 12 hours, jittered to 75–125%", () => {
		const middle = () => 0.5;
		expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, base, middle))).toEqual([
			5_000, 25_000, 125_000, 625_000, 3_125_000, 15_625_000, 43_200_000,
		]);
		expect(retryDelay(1, base, () => 0)).toBe(3_750);
		expect(retryDelay(1, base, () => 1)).toBe(6_250);
		expect(retryDelay(20, base, () => 1)).toBe(54_000_000);
	});

	it("keeps retrying for three days with the defaults: about a dozen attempts", () => {
		const delivery = fresh();
		let now = 0;
		while (delivery.status !== "failed") {
			recordAttempt(delivery, { kind: "retry", status: 503, error: "the endpoint answered 503" }, now, base, () => 0.5);
			now = delivery.nextAttemptAt ?? now;
		}
		expect(delivery.attempts).toBeGreaterThanOrEqual(10);
		expect(delivery.attempts).toBeLessThanOrEqual(14);
		expect(delivery.lastStatus).toBe(503);
	});
});

describe("recordAttempt", () => {
	it("delivered: done, the error forgotten", () => {
		const delivery = fresh();
		recordAttempt(delivery, { kind: "retry", error: "could not connect" }, 0, base);
		recordAttempt(delivery, { kind: "delivered", status: 204 }, 10_000, base);
		expect(delivery).toMatchObject({ status: "delivered", attempts: 2, lastStatus: 204, deliveredAt: 10_000 });
		expect(delivery.lastError).toBeUndefined();
		expect(delivery.nextAttemptAt).toBeUndefined();
	});

	it("retry: again after the backoff, while the window lasts; then failed", () => {
		const delivery = fresh(60_000);
		recordAttempt(delivery, { kind: "retry", status: 429, error: "the endpoint answered 429" }, 0, base, () => 0.5);
		expect(delivery).toMatchObject({ status: "retrying", nextAttemptAt: 5_000 });
		recordAttempt(delivery, { kind: "retry", status: 429, error: "the endpoint answered 429" }, 5_000, base, () => 0.5);
		expect(delivery).toMatchObject({ status: "retrying", nextAttemptAt: 30_000 });
		recordAttempt(
			delivery,
			{ kind: "retry", status: 429, error: "the endpoint answered 429" },
			30_000,
			base,
			() => 0.5,
		);
		expect(delivery).toMatchObject({ status: "failed", attempts: 3, lastError: "the endpoint answered 429" });
	});

	it("rejected: failed at once", () => {
		const delivery = fresh();
		recordAttempt(delivery, { kind: "rejected", status: 400, error: "the endpoint answered 400" }, 0, base);
		expect(delivery).toMatchObject({ status: "failed", attempts: 1, lastStatus: 400 });
	});
});
