/**
 * An order's ledger: the authorization it rests on, what was captured, released and refunded, and
 * every order-system event with its outcome — so a merchant can reconcile. Plain data and pure
 * transitions; the order's Durable Object is its only writer.
 */
import { add, sum } from "../../contract/money.ts";
import type { OrderEvent } from "./order-event.ts";
import type { PlannedCall } from "./plan-event.ts";

export interface LedgerAuthorization {
	authorization_id: number;
	amount: number;
	status: string;
	account_number?: number;
	transaction_type?: string;
}

/** `ignored` and `attention` are final, set when an event that moves no money is recorded (see EventVerdict). */
export type EventStatus =
	| "pending"
	| "held"
	| "retrying"
	| "applied"
	| "refused"
	| "dead_letter"
	| "ignored"
	| "attention";

export interface LedgerCall extends PlannedCall {
	status: "pending" | "done" | "refused";
	/** Flexiti's answer, for the merchant: the capture id, or the refusal code. */
	result?: string;
}

export interface LedgerEvent extends OrderEvent {
	id: string;
	receivedAt: string;
	status: EventStatus;
	attempts: number;
	nextAttemptAt?: number;
	outcome?: string;
	/** The Flexiti calls this event was planned into, once; retries re-send these same calls. */
	calls?: LedgerCall[];
	history: { at: string; status: EventStatus; detail?: string }[];
}

export interface Ledger {
	authorization?: LedgerAuthorization;
	captures: { capture_id: number; amount: number; date: string; event_id: string }[];
	released: number;
	refunds: { capture_id: number; amount: number; kind: "return" | "refund"; date: string; event_id: string }[];
	events: LedgerEvent[];
}

export const emptyLedger = (): Ledger => ({ captures: [], released: 0, refunds: [], events: [] });

/** Accepts new events; an event whose key was seen before (a redelivery) is a duplicate and changes nothing. */
export function receive(ledger: Ledger, events: OrderEvent[], now: number): { accepted: string[]; duplicates: number } {
	const accepted: string[] = [];
	let duplicates = 0;
	for (const event of events) {
		if (ledger.events.some((e) => e.key === event.key)) {
			duplicates += 1;
			continue;
		}
		// Random enough to be unique across orders: it becomes part of Flexiti idempotency keys.
		const id = `evt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
		const at = new Date(now).toISOString();
		// An event read as moving no money is recorded with its verdict, final from the start.
		const status = event.verdict?.status ?? "pending";
		ledger.events.push({
			...event,
			id,
			receivedAt: at,
			status,
			...(event.verdict ? { outcome: event.verdict.reason } : {}),
			attempts: 0,
			history: [{ at, status, ...(event.verdict ? { detail: event.verdict.reason } : {}) }],
		});
		accepted.push(id);
	}
	return { accepted, duplicates };
}

export function setStatus(event: LedgerEvent, status: EventStatus, now: number, detail?: string): void {
	event.status = status;
	if (detail !== undefined) event.outcome = detail;
	event.history.push({ at: new Date(now).toISOString(), status, ...(detail ? { detail } : {}) });
}

/** Events still to apply, in the order they arrived (a cancel before a fulfil stays before it). */
export function eventsToApply(ledger: Ledger, now: number): LedgerEvent[] {
	return ledger.events.filter(
		(e) => e.status === "pending" || e.status === "held" || (e.status === "retrying" && (e.nextAttemptAt ?? 0) <= now),
	);
}

/** When the ledger next needs to wake up for a retry, if ever. */
export function nextWakeUp(ledger: Ledger): number | undefined {
	const times = ledger.events.filter((e) => e.status === "retrying").map((e) => e.nextAttemptAt ?? 0);
	return times.length > 0 ? Math.min(...times) : undefined;
}

/** Records what a call that Flexiti accepted did to the order's money. */
export function recordDone(ledger: Ledger, event: LedgerEvent, call: LedgerCall, body: unknown, now: number): void {
	const date = new Date(now).toISOString();
	if (call.operationId === "captureAuthorization") {
		const captureId = (body as { capture_id?: number }).capture_id ?? 0;
		call.result = `capture ${captureId}`;
		ledger.captures.push({ capture_id: captureId, amount: call.amount, date, event_id: event.id });
	} else if (call.operationId === "releaseAuthorization") {
		ledger.released = add(ledger.released, call.amount);
		call.result = "released";
	} else {
		const kind = call.operationId === "returnCapture" ? "return" : "refund";
		call.result = kind === "return" ? `return ${(body as { return_id?: number }).return_id ?? ""}`.trim() : "refunded";
		ledger.refunds.push({ capture_id: call.captureId ?? 0, amount: call.amount, kind, date, event_id: event.id });
	}
	call.status = "done";
}

/** The ledger as the merchant reads it (GET /v1/orders/{reference}). */
export function ledgerView(ledger: Ledger) {
	return {
		authorization: ledger.authorization ?? null,
		captured: sum(ledger.captures.map((c) => c.amount)),
		released: ledger.released,
		refunded: sum(ledger.refunds.map((r) => r.amount)),
		captures: ledger.captures,
		refunds: ledger.refunds,
		events: ledger.events.map((e) => ({
			id: e.id,
			source: e.source,
			topic: e.topic,
			type: e.type,
			delivery_id: e.deliveryId,
			...(e.amount !== undefined ? { amount: e.amount } : {}),
			status: e.status,
			...(e.outcome ? { outcome: e.outcome } : {}),
			attempts: e.attempts,
			received_at: e.receivedAt,
			calls: (e.calls ?? []).map((c) => ({
				operation: c.operationId,
				amount: c.amount,
				status: c.status,
				idempotency_key: c.idempotencyKey,
				...(c.result ? { result: c.result } : {}),
			})),
			history: e.history,
		})),
	};
}
