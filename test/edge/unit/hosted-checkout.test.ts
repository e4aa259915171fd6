/**
 * The hosted checkout's rules on their own (orders/hosted-checkout.ts): when a session is reused, the
 * poll's backoff up to one last read at the checkout's expiry, and what a notification means (both
 * spellings Flexiti's sources use). The end-to-end behaviour is in test/events/hosted-checkout.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
	attachSession,
	outcomeOf,
	pollDue,
	reusableSession,
	scheduleNextPoll,
} from "../../../functions/edge/orders/hosted-checkout.ts";
import { orderWithoutCheckout } from "../../../functions/edge/orders/order-state.ts";

const order = () => orderWithoutCheckout("id", "flexitidemo", "WEB-1", 100);

describe("a hosted session's polling", () => {
	it("first after the base delay, then twice as late each time, at most a minute apart, last at the expiry", () => {
		const state = order();
		attachSession(state, { onlineOrderId: 130001, redirectionUrl: "https://flexiti.example/x", lang: "en" }, 0, 1000);
		expect(state.hosted?.nextPollAt).toBe(1000);
		expect(pollDue(state, 999)).toBe(false);
		expect(pollDue(state, 1000)).toBe(true);
		const expiresAt = 200_000;
		const times: number[] = [];
		let now = 1000;
		while (state.hosted?.nextPollAt !== undefined) {
			now = state.hosted.nextPollAt;
			scheduleNextPoll(state, now, 1000, expiresAt);
			if (state.hosted.nextPollAt !== undefined) times.push(state.hosted.nextPollAt - now);
		}
		expect(times.slice(0, 5)).toEqual([2000, 4000, 8000, 16000, 32000]);
		expect(Math.max(...times)).toBe(60_000);
		expect(now).toBe(expiresAt);
	});

	it("stops once the outcome is known, and a session with an outcome is not reused", () => {
		const state = order();
		attachSession(state, { onlineOrderId: 130002, redirectionUrl: "https://flexiti.example/y", lang: "en" }, 0, 1000);
		expect(reusableSession(state, 500, 1_800_000)?.onlineOrderId).toBe(130002);
		expect(reusableSession(state, 1_800_000, 1_800_000)).toBeUndefined();
		if (state.hosted) state.hosted.outcome = "declined";
		expect(pollDue(state, 5000)).toBe(false);
		expect(reusableSession(state, 500, 1_800_000)).toBeUndefined();
	});
});

describe("what a notification means", () => {
	it("Success with a transaction id (a number in the docs, a string in hyperswitch) is the purchase", () => {
		expect(outcomeOf({ transaction_id: 131222, purchase: { status: "Success" } })).toEqual({
			kind: "authorized",
			transactionId: 131222,
		});
		expect(outcomeOf({ transaction_id: "131223", purchase: { status: "SUCCESS" } })).toEqual({
			kind: "authorized",
			transactionId: 131223,
		});
	});

	it("keeps a transaction id past 2^53 exact, as a number read losslessly (bigint) or as hyperswitch's string", () => {
		const big = 9007199254740993n;
		for (const transaction_id of [big, "9007199254740993"]) {
			expect(outcomeOf({ transaction_id, purchase: { status: "Success" } })).toEqual({
				kind: "authorized",
				transactionId: big,
			});
		}
	});

	it("a Success whose transaction id is not plain digits is no purchase (Number() would read 0x10 or 1e3)", () => {
		for (const transaction_id of ["0x10", "1e3", "12.0", " 12", "0", ""]) {
			expect(outcomeOf({ transaction_id, purchase: { status: "Success" } })).toMatchObject({ kind: "declined" });
		}
	});

	it("Failed, an application declined, or no purchase at all is a decline", () => {
		expect(outcomeOf({ transaction_id: 1, purchase: { status: "Failed" } })).toMatchObject({
			kind: "declined",
			error: "purchase_failed",
		});
		expect(outcomeOf({ transaction_id: 1, apply: { apply_status: "DECLINED" } })).toMatchObject({
			kind: "declined",
			error: "application_declined",
		});
		expect(outcomeOf({ transaction_id: 1, apply: { apply_status: "SUCCESS" } })).toMatchObject({
			kind: "declined",
			error: "no_purchase",
		});
	});
});
