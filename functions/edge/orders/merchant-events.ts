/**
 * The events the edge tells the merchant (spec/edge-api.yaml, `webhooks:` tagged Events): their
 * names and bodies. Each carries the order's reference, checkout id and money as the ledger holds it,
 * and a per-order sequence number, so a receiver can order and deduplicate them.
 */
import type { components } from "../../../generated/edge-api.ts";
import { subtract, sum } from "../../contract/money.ts";
import { type Ledger, type LedgerCapture, type LedgerEvent, type LedgerRefund, shortfallToActOn } from "./ledger.ts";
import type { OrderState } from "./order-state.ts";

export type MerchantEventType = components["schemas"]["MerchantEventType"];
export type MerchantEventBody = components["schemas"]["MerchantEvent"];
export type MerchantEventData = components["schemas"]["MerchantEventData"];

/** What an event says beyond what every event says (type-specific fields of `MerchantEventData`). */
export type EventDetails = Pick<
	MerchantEventData,
	"amount" | "capture_id" | "refund_kind" | "order_event_id" | "outcome" | "error"
> & {
	/** The money right after this event, when it is one of several movements told at once (else the ledger's now). */
	ledger?: MerchantEventData["ledger"];
};

/**
 * The id a receiver deduplicates on, from the order and the sequence: the same on every retry and
 * redelivery, and one event can never be written (or sent) under two ids.
 */
export function merchantEventId(state: Pick<OrderState, "checkoutId">, sequence: number): string {
	return `msg_${state.checkoutId}_${sequence}`;
}

/** The body of an event, as it will be signed and sent (every attempt sends these same bytes). */
export function merchantEventBody(
	state: OrderState,
	type: MerchantEventType,
	sequence: number,
	at: number,
	details: EventDetails,
): MerchantEventBody {
	const authorizationId = state.ledger.authorization?.authorization_id;
	return {
		type,
		timestamp: new Date(at).toISOString(),
		data: {
			id: merchantEventId(state, sequence),
			sequence,
			client_id: state.clientId,
			reference: state.reference,
			checkout_id: state.checkoutId,
			...(authorizationId !== undefined ? { authorization_id: authorizationId } : {}),
			...details,
			ledger: details.ledger ?? ledgerMoney(state.ledger),
		},
	};
}

function ledgerMoney(ledger: Ledger): MerchantEventData["ledger"] {
	return {
		authorized: ledger.authorization?.amount ?? 0,
		captured: sum(ledger.captures.map((c) => c.amount)),
		released: ledger.released,
		refunded: sum(ledger.refunds.map((r) => r.amount)),
	};
}

/**
 * The ledger's money as it stood, to tell what came since: the captures and refunds by identity (not
 * by position: a movement through `/flexiti` may be entered while an order event's application waits
 * on Flexiti, and is told by its own door), the released sum, and the event's status.
 */
export interface LedgerMark {
	captures: Set<LedgerCapture>;
	released: number;
	refunds: Set<LedgerRefund>;
	status?: LedgerEvent["status"];
}

export function markLedger(ledger: Ledger, event?: LedgerEvent): LedgerMark {
	return {
		captures: new Set(ledger.captures),
		released: ledger.released,
		refunds: new Set(ledger.refunds),
		...(event ? { status: event.status } : {}),
	};
}

/**
 * Counts what the ledger gained since `since` as already told, in `mark` (another door's mark, taken
 * earlier and still open): its own events will not tell it again.
 */
export function toldElsewhere(mark: LedgerMark, since: LedgerMark, ledger: Ledger): void {
	for (const capture of ledger.captures) if (!since.captures.has(capture)) mark.captures.add(capture);
	for (const refund of ledger.refunds) if (!since.refunds.has(refund)) mark.refunds.add(refund);
	mark.released = sum([mark.released, subtract(ledger.released, since.released)]);
}

/** The money as it stood at `mark` (what the ledger has authorized now, and only the movements it had then). */
export function moneyAt(mark: LedgerMark, ledger: Ledger): MerchantEventData["ledger"] {
	return {
		authorized: ledger.authorization?.amount ?? 0,
		captured: sum(ledger.captures.filter((c) => mark.captures.has(c)).map((c) => c.amount)),
		released: mark.released,
		refunded: sum(ledger.refunds.filter((r) => mark.refunds.has(r)).map((r) => r.amount)),
	};
}

/**
 * The merchant events for money the ledger gained since `before`: one per capture, release and
 * refund, whichever door it came through — an order event the ledger applied (`orderEventId`), or a
 * call through `/flexiti` (none). The ledger enters each movement once, so each is told once.
 */
export function eventsForMoney(
	before: LedgerMark,
	ledger: Ledger,
	orderEventId?: string,
): { type: MerchantEventType; details: EventDetails }[] {
	const byEvent = orderEventId !== undefined ? { order_event_id: orderEventId } : {};
	const out: { type: MerchantEventType; details: EventDetails }[] = [];
	// Each movement's event carries the money as it stood right after it, not after all of them: a
	// refund split over two captures is two events, the first of which has not refunded the second part.
	const money = moneyAt(before, ledger);
	for (const capture of ledger.captures) {
		if (before.captures.has(capture)) continue;
		money.captured = sum([money.captured, capture.amount]);
		out.push({
			type: "order.captured",
			details: { amount: capture.amount, capture_id: capture.capture_id, ...byEvent, ledger: { ...money } },
		});
	}
	if (ledger.released !== before.released) {
		money.released = ledger.released;
		out.push({
			type: "order.released",
			details: { amount: subtract(ledger.released, before.released), ...byEvent, ledger: { ...money } },
		});
	}
	for (const refund of ledger.refunds) {
		if (before.refunds.has(refund)) continue;
		money.refunded = sum([money.refunded, refund.amount]);
		out.push({
			type: "order.refunded",
			details: {
				amount: refund.amount,
				capture_id: refund.capture_id,
				refund_kind: refund.kind,
				...byEvent,
				ledger: { ...money },
			},
		});
	}
	return out;
}

/**
 * The merchant event for an order event that was final when it was read: refused by the edge (another
 * currency than CAD, a payload of an unexpected shape) or recorded for the merchant to act on (a refund
 * through a gateway the edge does not know as Flexiti's, a shipment cancelled after its capture). One
 * that was only `ignored` (a topic that moves no money) tells nothing.
 */
export function eventForVerdict(event: LedgerEvent): { type: MerchantEventType; details: EventDetails } | undefined {
	if (event.status !== "refused" && event.status !== "attention") return undefined;
	return {
		type: event.status === "refused" ? "order.event_refused" : "order.event_needs_attention",
		details: {
			order_event_id: event.id,
			...(event.amount !== undefined ? { amount: event.amount } : {}),
			...(event.outcome ? { outcome: event.outcome } : {}),
		},
	};
}

/**
 * The merchant events for what applying `event` just did to the ledger since `before`: one per
 * capture, release and refund it made, and one when it ended refused or in the dead letter.
 */
export function eventsForChange(
	before: LedgerMark,
	ledger: Ledger,
	event: LedgerEvent,
): { type: MerchantEventType; details: EventDetails }[] {
	const out = eventsForMoney(before, ledger, event.id);
	// Applied, but for less than the store asks of the shopper: the merchant charges the rest another way.
	if (event.status !== before.status && shortfallToActOn(ledger, event)) {
		out.push({
			type: "order.event_needs_attention",
			details: {
				order_event_id: event.id,
				...(event.amount !== undefined ? { amount: event.amount } : {}),
				...(event.outcome ? { outcome: event.outcome } : {}),
			},
		});
	}
	if (event.status !== before.status && (event.status === "refused" || event.status === "dead_letter")) {
		out.push({
			type: event.status === "refused" ? "order.event_refused" : "order.event_dead_lettered",
			details: {
				order_event_id: event.id,
				...(event.amount !== undefined ? { amount: event.amount } : {}),
				...(event.outcome ? { outcome: event.outcome } : {}),
			},
		});
	}
	return out;
}
