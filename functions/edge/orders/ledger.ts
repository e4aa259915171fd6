/**
 * An order's ledger: the authorization it rests on, what was captured, released and refunded, and
 * every order-system event with its outcome — so a merchant can reconcile. Plain data and pure
 * transitions; the order's Durable Object is its only writer.
 */
import { type FlexitiId, idOf } from "../../contract/lossless-json.ts";
import { add, sum } from "../../contract/money.ts";
import type { FlexitiSuccessBody } from "../flexiti/gateway.ts";
import type { OrderEvent } from "./order-event.ts";
import type { PlannedCall } from "./plan-event.ts";

export interface LedgerAuthorization {
	authorization_id: FlexitiId;
	amount: number;
	status: string;
	account_number?: number;
	transaction_type?: string;
	/** The plan the shopper chose, when Flexiti's answer says (a repeat for another plan is refused). */
	plan_id?: number;
	term?: number;
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
	/** Replayed after part of its plan went through: what is left is planned afresh from Flexiti's state. */
	replanRest?: true;
	/** What its plan said beside its calls (a whole order's shipment: what it left authorized, and why). */
	note?: string;
	history: { at: string; status: EventStatus; detail?: string }[];
}

/** How a movement reached Flexiti: an order event the ledger applied, or a caller's call through `/flexiti`. */
export type MovementVia = "order_event" | "flexiti";

export interface LedgerCapture {
	capture_id: number;
	amount: number;
	date: string;
	/** The order event that made it; absent for a capture made through `/flexiti`. */
	event_id?: string;
}

export interface LedgerRefund {
	capture_id: number;
	amount: number;
	kind: "return" | "refund";
	date: string;
	event_id?: string;
	/** Flexiti's id of a return (an account refund has none). */
	return_id?: FlexitiId;
}

export interface Ledger {
	authorization?: LedgerAuthorization;
	captures: LedgerCapture[];
	released: number;
	refunds: LedgerRefund[];
	events: LedgerEvent[];
	/**
	 * Movements made through `/flexiti` already counted, by Flexiti's id (`capture:…`, `return:…`) or,
	 * where Flexiti's answer has none (a release, an account refund), by the call's idempotency key.
	 */
	movements?: string[];
}

/** A money movement Flexiti made for a caller of `/flexiti` (not for an order event): what its answer says. */
export type ForwardedMovement =
	| { kind: "capture"; capture_id: number; amount: number; date?: string }
	| { kind: "release"; amount: number; key: string }
	| { kind: "return"; capture_id: number; amount: number; return_id?: FlexitiId; key: string }
	| { kind: "refund"; capture_id: number; amount: number; key: string };

/** Flexiti's view of an authorization, as far as the ledger follows it. */
export interface FlexitiAuthorizationView {
	authorization_id: FlexitiId;
	status?: string;
	authorization_status?: string;
}

export const emptyLedger = (): Ledger => ({ captures: [], released: 0, refunds: [], events: [] });

/** Accepts new events; an event whose key was seen before (a redelivery) is a duplicate and changes nothing. */
export function receive(ledger: Ledger, events: OrderEvent[], now: number): { accepted: string[]; duplicates: number } {
	const { added, duplicates } = newEvents(events, now, (key) => ledger.events.some((e) => e.key === key));
	ledger.events.push(...added);
	return { accepted: added.map((e) => e.id), duplicates };
}

/**
 * The ledger events these order events make, but for those whose key `known` says was seen before, or
 * that repeat one earlier in the same delivery (duplicates). `receive` asks the ledger in memory; an
 * order whose events are not in memory asks its storage (stored-events.ts).
 */
export function newEvents(
	events: readonly OrderEvent[],
	now: number,
	known: (key: string) => boolean,
): { added: LedgerEvent[]; duplicates: number } {
	const added: LedgerEvent[] = [];
	let duplicates = 0;
	for (const event of events) {
		if (known(event.key) || added.some((e) => e.key === event.key)) {
			duplicates += 1;
			continue;
		}
		// Random enough to be unique across orders: it becomes part of Flexiti idempotency keys.
		const id = `evt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
		const at = new Date(now).toISOString();
		// An event read as moving no money is recorded with its verdict, final from the start.
		const status = event.verdict?.status ?? "pending";
		added.push({
			...event,
			id,
			receivedAt: at,
			status,
			...(event.verdict ? { outcome: event.verdict.reason } : {}),
			attempts: 0,
			history: [{ at, status, ...(event.verdict ? { detail: event.verdict.reason } : {}) }],
		});
	}
	return { added, duplicates };
}

/** Nothing can move before the authorization exists: new events wait for it (recordAuthorization wakes them). */
export function holdUntilAuthorized(ledger: Ledger, added: readonly LedgerEvent[], now: number): void {
	if (ledger.authorization) return;
	for (const event of added) {
		if (event.status === "pending") setStatus(event, "held", now, "waiting for the authorization");
	}
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
export function recordDone(
	ledger: Ledger,
	event: LedgerEvent,
	call: LedgerCall,
	body: FlexitiSuccessBody<LedgerCall["operationId"]>,
	now: number,
): void {
	const date = new Date(now).toISOString();
	// Capture and release answers say what became of the authorization (closed after a full capture).
	followAuthorization(ledger, { authorization_id: idOf(call.params.authorization_id ?? 0), ...body });
	if (call.operationId === "captureAuthorization") {
		const captureId = ("capture_id" in body ? body.capture_id : undefined) ?? 0;
		call.result = `capture ${captureId}`;
		ledger.captures.push({ capture_id: captureId, amount: call.amount, date, event_id: event.id });
	} else if (call.operationId === "releaseAuthorization") {
		ledger.released = add(ledger.released, call.amount);
		call.result = "released";
	} else {
		const kind = call.operationId === "returnCapture" ? "return" : "refund";
		const returnId = kind === "return" && "return_id" in body ? body.return_id : undefined;
		call.result = kind === "return" ? `return ${returnId ?? ""}`.trim() : "refunded";
		ledger.refunds.push({
			capture_id: call.captureId ?? 0,
			amount: call.amount,
			kind,
			date,
			event_id: event.id,
			...(returnId !== undefined ? { return_id: returnId } : {}),
		});
	}
	call.status = "done";
}

/**
 * The ledger's authorization takes the status of Flexiti's latest answer about it (an authorization,
 * or a capture's or release's `authorization_status`), so it never says "opened" after Flexiti closed it.
 */
export function followAuthorization(ledger: Ledger, view: FlexitiAuthorizationView): boolean {
	const known = ledger.authorization;
	if (!known || known.authorization_id !== view.authorization_id) return false;
	const status = view.authorization_status ?? view.status;
	if (typeof status !== "string" || status === known.status) return false;
	known.status = status;
	return true;
}

/**
 * Enters a movement made through `/flexiti` into the ledger, once: a repeat of the same movement (a
 * retried call Flexiti answered again, or a capture the ledger already has) changes nothing. A
 * movement on another authorization than the one the ledger rests on is not this ledger's.
 * Returns whether anything changed.
 */
export function recordMovement(
	ledger: Ledger,
	movement: ForwardedMovement,
	authorization: FlexitiAuthorizationView,
	now: number,
): boolean {
	if (!ledger.authorization || ledger.authorization.authorization_id !== authorization.authorization_id) return false;
	const followed = followAuthorization(ledger, authorization);
	const key = movementKey(movement);
	ledger.movements ??= [];
	const seen = ledger.movements;
	if (seen.includes(key)) return followed;
	if (movement.kind === "capture" && ledger.captures.some((c) => c.capture_id === movement.capture_id)) return followed;
	seen.push(key);
	const date = new Date(now).toISOString();
	if (movement.kind === "capture") {
		ledger.captures.push({ capture_id: movement.capture_id, amount: movement.amount, date: movement.date ?? date });
	} else if (movement.kind === "release") {
		ledger.released = add(ledger.released, movement.amount);
	} else {
		const { capture_id, amount } = movement;
		const returnId =
			movement.kind === "return" && movement.return_id !== undefined ? { return_id: movement.return_id } : {};
		ledger.refunds.push({ capture_id, amount, kind: movement.kind, date, ...returnId });
	}
	return true;
}

function movementKey(movement: ForwardedMovement): string {
	if (movement.kind === "capture") return `capture:${movement.capture_id}`;
	if (movement.kind === "return" && movement.return_id !== undefined) return `return:${movement.return_id}`;
	return `${movement.kind}:${movement.key}`;
}

/** The ledger as the merchant reads it (GET /v1/orders/{reference}). */
export function ledgerView(ledger: Ledger) {
	return {
		authorization: ledger.authorization ?? null,
		captured: sum(ledger.captures.map((c) => c.amount)),
		released: ledger.released,
		refunded: sum(ledger.refunds.map((r) => r.amount)),
		captures: ledger.captures.map((c) => ({ ...c, via: via(c) })),
		refunds: ledger.refunds.map((r) => ({ ...r, via: via(r) })),
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

function via(movement: { event_id?: string }): MovementVia {
	return movement.event_id === undefined ? "flexiti" : "order_event";
}

/**
 * A whole order's shipment applied for less than the store's total (its plan's note: the total is above
 * what Flexiti authorized), for the merchant to act on, unless the store's edit above it was already
 * listed and told when it arrived (store-total.ts): the same shortfall, told once.
 */
export function shortfallToActOn(ledger: Ledger, event: LedgerEvent): boolean {
	if (event.status !== "applied" || event.note === undefined) return false;
	return !ledger.events.some((other) => other.status === "attention" && other.storeTotal !== undefined);
}
