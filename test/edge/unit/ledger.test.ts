/**
 * The order's ledger on its own: plain data and pure transitions (orders/ledger.ts), without the
 * Durable Object that is its only writer. Redeliveries are duplicates, a movement is counted once
 * whichever way it reached Flexiti, the authorization follows Flexiti's latest word, and the view a
 * merchant reads adds up in cents.
 */
import { describe, expect, it } from "vitest";
import {
	emptyLedger,
	eventsToApply,
	followAuthorization,
	type Ledger,
	type LedgerCall,
	ledgerView,
	nextWakeUp,
	receive,
	recordDone,
	recordMovement,
	setStatus,
} from "../../../functions/edge/orders/ledger.ts";
import type { OrderEvent } from "../../../functions/edge/orders/order-event.ts";

const NOW = Date.parse("2026-12-01T12:00:00Z");

function event(key: string, overrides: Partial<OrderEvent> = {}): OrderEvent {
	return {
		key,
		deliveryId: `delivery-${key}`,
		source: "shopify",
		topic: "orders/fulfilled",
		type: "fulfilled",
		clientId: "flexitidemo",
		reference: "WEB-1",
		...overrides,
	};
}

function authorized(amount = 100): Ledger {
	return { ...emptyLedger(), authorization: { authorization_id: 7, amount, status: "opened" } };
}

const view = { authorization_id: 7 };

describe("receive", () => {
	it("accepts each event once: a redelivery with the same key is a duplicate and changes nothing", () => {
		const ledger = emptyLedger();
		const first = receive(ledger, [event("a"), event("b")], NOW);
		expect(first.accepted).toHaveLength(2);
		expect(first.duplicates).toBe(0);
		const again = receive(ledger, [event("a"), event("c")], NOW + 1000);
		expect(again.accepted).toHaveLength(1);
		expect(again.duplicates).toBe(1);
		expect(ledger.events.map((e) => e.key)).toEqual(["a", "b", "c"]);
		expect(new Set(ledger.events.map((e) => e.id)).size).toBe(3);
	});

	it("records an event read as moving no money with its verdict, final from the start", () => {
		const ledger = emptyLedger();
		receive(ledger, [event("n", { type: "noted", verdict: { status: "ignored", reason: "not a money topic" } })], NOW);
		const [recorded] = ledger.events;
		expect(recorded).toMatchObject({ status: "ignored", outcome: "not a money topic", attempts: 0 });
		expect(recorded?.history).toEqual([
			{ at: "2026-12-01T12:00:00.000Z", status: "ignored", detail: "not a money topic" },
		]);
		expect(eventsToApply(ledger, NOW)).toEqual([]);
	});
});

describe("what to apply, and when to wake up", () => {
	it("applies pending and held events in arrival order, and retrying ones once their time has come", () => {
		const ledger = emptyLedger();
		receive(ledger, [event("cancel", { type: "cancelled" }), event("fulfil"), event("later"), event("done")], NOW);
		const [cancel, fulfil, later, done] = ledger.events;
		if (!cancel || !fulfil || !later || !done) throw new Error("four events");
		setStatus(fulfil, "held", NOW);
		setStatus(later, "retrying", NOW, "Flexiti answered 503");
		later.nextAttemptAt = NOW + 5000;
		setStatus(done, "applied", NOW);
		expect(eventsToApply(ledger, NOW).map((e) => e.key)).toEqual(["cancel", "fulfil"]);
		expect(eventsToApply(ledger, NOW + 5000).map((e) => e.key)).toEqual(["cancel", "fulfil", "later"]);
		expect(nextWakeUp(ledger)).toBe(NOW + 5000);
		expect(later.outcome).toBe("Flexiti answered 503");
		expect(later.history.map((h) => h.status)).toEqual(["pending", "retrying"]);
	});

	it("needs no wake-up when nothing is retrying", () => {
		const ledger = emptyLedger();
		receive(ledger, [event("a")], NOW);
		expect(nextWakeUp(ledger)).toBeUndefined();
	});
});

describe("recordDone", () => {
	const call = (operationId: LedgerCall["operationId"], amount: number, captureId?: number): LedgerCall => ({
		operationId,
		params: { authorization_id: "7" },
		body: {},
		idempotencyKey: `key-${operationId}`,
		amount,
		status: "pending",
		...(captureId !== undefined ? { captureId } : {}),
	});

	it("enters a capture, a release, a return and an account refund, and follows the authorization's status", () => {
		const ledger = authorized(100);
		receive(ledger, [event("f")], NOW);
		const [applied] = ledger.events;
		if (!applied) throw new Error("one event");
		const capture = call("captureAuthorization", 60.1);
		// Flexiti's answers as the spec types them (the capture's date is the ledger's own, when it was recorded).
		const captured = { capture_id: 11, authorization_id: 7, date: "2026-12-01", amount: 60.1 };
		recordDone(ledger, applied, capture, { ...captured, authorization_status: "opened" as const }, NOW);
		const released = { authorization_id: 7, amount: 39.9, remaining_authorization_amount: 0 };
		recordDone(
			ledger,
			applied,
			call("releaseAuthorization", 39.9),
			{ ...released, authorization_status: "closed" },
			NOW,
		);
		const giveBack = call("returnCapture", 10.05, 11);
		recordDone(ledger, applied, giveBack, { return_id: 3 }, NOW);
		recordDone(ledger, applied, call("refundAccount", 0.1, 11), {}, NOW);
		expect(capture).toMatchObject({ status: "done", result: "capture 11" });
		expect(giveBack.result).toBe("return 3");
		expect(ledger.authorization?.status).toBe("closed");
		const seen = ledgerView(ledger);
		expect(seen).toMatchObject({ captured: 60.1, released: 39.9, refunded: 10.15 });
		expect(seen.captures).toEqual([
			{ capture_id: 11, amount: 60.1, date: "2026-12-01T12:00:00.000Z", event_id: applied.id, via: "order_event" },
		]);
		expect(seen.refunds.map((r) => [r.kind, r.return_id, r.via])).toEqual([
			["return", 3, "order_event"],
			["refund", undefined, "order_event"],
		]);
	});
});

describe("recordMovement (money moved through /flexiti)", () => {
	it("counts a capture once, however often Flexiti's answer to it comes back", () => {
		const ledger = authorized();
		const capture = { kind: "capture", capture_id: 21, amount: 40 } as const;
		expect(recordMovement(ledger, capture, view, NOW)).toBe(true);
		expect(recordMovement(ledger, capture, view, NOW)).toBe(false);
		expect(ledgerView(ledger).captured).toBe(40);
		expect(ledgerView(ledger).captures[0]?.via).toBe("flexiti");
	});

	it("counts a release or an account refund once per idempotency key (Flexiti's answer names none)", () => {
		const ledger = authorized();
		expect(recordMovement(ledger, { kind: "release", amount: 10, key: "k1" }, view, NOW)).toBe(true);
		expect(recordMovement(ledger, { kind: "release", amount: 10, key: "k1" }, view, NOW)).toBe(false);
		expect(recordMovement(ledger, { kind: "release", amount: 5, key: "k2" }, view, NOW)).toBe(true);
		const refund = { kind: "refund", capture_id: 21, amount: 2.5, key: "r1" } as const;
		expect(recordMovement(ledger, refund, view, NOW)).toBe(true);
		expect(recordMovement(ledger, refund, view, NOW)).toBe(false);
		expect(ledgerView(ledger)).toMatchObject({ released: 15, refunded: 2.5 });
	});

	it("does not count a capture the ledger already made for an order event", () => {
		const ledger = authorized();
		ledger.captures.push({ capture_id: 21, amount: 40, date: "2026-12-01T00:00:00.000Z", event_id: "evt_1" });
		expect(recordMovement(ledger, { kind: "capture", capture_id: 21, amount: 40 }, view, NOW)).toBe(false);
		expect(ledger.captures).toHaveLength(1);
	});

	it("ignores a movement on another authorization, or on a ledger that rests on none", () => {
		const capture = { kind: "capture", capture_id: 1, amount: 1 } as const;
		expect(recordMovement(authorized(), capture, { authorization_id: 8 }, NOW)).toBe(false);
		expect(recordMovement(emptyLedger(), capture, view, NOW)).toBe(false);
	});
});

describe("followAuthorization", () => {
	it("takes Flexiti's latest status for the same authorization only, and says whether it changed", () => {
		const ledger = authorized();
		expect(followAuthorization(ledger, { authorization_id: 7, status: "opened" })).toBe(false);
		expect(followAuthorization(ledger, { authorization_id: 8, status: "closed" })).toBe(false);
		expect(followAuthorization(ledger, { authorization_id: 7, authorization_status: "closed", status: "x" })).toBe(
			true,
		);
		expect(ledger.authorization?.status).toBe("closed");
	});
});
