/**
 * Events that come from the clock, not from a request: `checkout.expired` (the checkout's last client
 * token expired with nothing authorized) and `order.authorization_aging` (authorized, and after the
 * configured days nothing captured or released). Each order wakes itself for these with its own
 * alarm, at the moment they fall due, so there is no scan over all orders; each fires once per
 * occasion (a checkout reopened with a new token can expire again).
 */
import { checkoutExpiresAt } from "./checkout.ts";
import type { EventDetails, MerchantEventType } from "./merchant-events.ts";
import type { OrderState } from "./order-state.ts";

const DAY_MS = 86_400_000;

/** Events due now, marking them as sent on the state (the caller emits them and saves in one write). */
export function dueClockEvents(
	state: OrderState,
	now: number,
	agingDays: number,
): { type: MerchantEventType; details: EventDetails }[] {
	const due: { type: MerchantEventType; details: EventDetails }[] = [];
	const expiresAt = checkoutExpiresAt(state);
	const authorization = state.ledger.authorization;
	if (!authorization && expiresAt > 0 && expiresAt <= now && state.expiryNotified !== expiresAt) {
		state.expiryNotified = expiresAt;
		due.push({ type: "checkout.expired", details: { amount: state.amount } });
	}
	const agingAt = agingDue(state, agingDays);
	if (agingAt !== undefined && agingAt <= now && authorization) {
		state.agingNotified = true;
		due.push({
			type: "order.authorization_aging",
			details: { amount: authorization.amount, outcome: `authorized ${agingDays} or more days ago; nothing captured` },
		});
	}
	return due;
}

/** When the clock next has something to say about this order, if ever. */
export function nextClockAt(state: OrderState, agingDays: number): number | undefined {
	const times: number[] = [];
	const expiresAt = checkoutExpiresAt(state);
	if (!state.ledger.authorization && expiresAt > 0 && state.expiryNotified !== expiresAt) times.push(expiresAt);
	const agingAt = agingDue(state, agingDays);
	if (agingAt !== undefined) times.push(agingAt);
	return times.length > 0 ? Math.min(...times) : undefined;
}

/** When aging falls due: an authorization with nothing captured or released, not yet reported. */
function agingDue(state: OrderState, agingDays: number): number | undefined {
	const { ledger } = state;
	if (!ledger.authorization || state.authorizedAt === undefined || state.agingNotified) return undefined;
	if (ledger.captures.length > 0 || ledger.released > 0) return undefined;
	return state.authorizedAt + agingDays * DAY_MS;
}
