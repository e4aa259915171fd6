import { describe, expect, it } from "vitest";
import type { FlexitiComponents } from "../../functions/client/index.ts";
import { planEvent } from "../../functions/edge/orders/plan-event.ts";

type Authorization = FlexitiComponents["schemas"]["Authorization"];

const now = Date.parse("2026-11-24T12:00:00Z");
const authorization = (overrides: Partial<Authorization> = {}): Authorization => ({
	authorization_id: 1001,
	account_number: 10000000000001,
	reference: "R-1",
	status: "closed",
	transaction_type: "regular_purchase",
	amount: 100,
	captured_amount: 100,
	released_amount: 0,
	remaining_authorization_amount: 0,
	// No remaining_capture_amount: the spec marks it inferred, so Flexiti may leave it out.
	captures: [{ capture_id: 7, authorization_id: 1001, date: "2026-11-20T12:00:00Z", amount: 100 }],
	...overrides,
});
const refund = (amount: number) => ({
	id: "evt_1",
	key: "k",
	deliveryId: "d",
	source: "standard" as const,
	topic: "order.refunded",
	type: "refunded" as const,
	clientId: "flexitidemo",
	reference: "R-1",
	amount,
});

describe("planEvent", () => {
	it("refunds a regular purchase to the account, against the capture", () => {
		expect(planEvent(refund(80), authorization(), "flexitidemo", now)).toMatchObject({
			kind: "calls",
			calls: [{ operationId: "refundAccount", amount: 80, captureId: 7, body: { capture_id: 7, amount: 80 } }],
		});
	});

	it("counts this ledger's refunds when Flexiti omits the capture's remaining amount", () => {
		const plan = planEvent(refund(80), authorization(), "flexitidemo", now, { 7: 80 });
		expect(plan).toMatchObject({ kind: "refuse", outcome: expect.stringContaining("refund_exceeds_captured") });
	});

	it("returns a promotional purchase within 100 days, refunds it after", () => {
		const promotional = authorization({ transaction_type: "promotional_purchase" });
		expect(planEvent(refund(10), promotional, "flexitidemo", now)).toMatchObject({
			calls: [{ operationId: "returnCapture" }],
		});
		const later = now + 101 * 24 * 60 * 60 * 1000;
		expect(planEvent(refund(10), promotional, "flexitidemo", later)).toMatchObject({
			calls: [{ operationId: "refundAccount" }],
		});
	});
});
