/**
 * A hosted checkout's session at Flexiti (Online API) as the order keeps it, and the rules over it:
 * when a session can be reused, when to poll its notification next (backoff until final or expired),
 * and what a notification means for the order. Pure over the order's state; the Durable Object
 * makes the calls and persists.
 */
import { type FlexitiId, idOf } from "../../contract/lossless-json.ts";
import type { HostedSessionStarted, Notification } from "../flexiti/hosted-session.ts";
import type { HostedSession, OrderState } from "./order-state.ts";

export type { HostedSession } from "./order-state.ts";

/** Polls never wait longer than this apart: a shopper who paid is not kept waiting for the merchant's event. */
export const MAX_POLL_DELAY_MS = 60_000;

/**
 * The session to hand out again when the checkout is created again, if any: one without an outcome,
 * opened within the checkout's lifetime (Flexiti's sessions do not outlive it, Inferred).
 */
export function reusableSession(state: OrderState | undefined, now: number, ttlMs: number): HostedSession | undefined {
	const session = state?.hosted;
	if (!session || session.outcome || now - session.openedAt >= ttlMs) return undefined;
	return session;
}

/** A new session on the order, its first notification read due after the base delay. */
export function attachSession(state: OrderState, started: HostedSessionStarted, now: number, baseMs: number): void {
	state.hosted = { ...started, openedAt: now, polls: 0, nextPollAt: now + baseMs };
}

/** Whether the alarm should read the session's notification now. */
export function pollDue(state: OrderState, now: number): boolean {
	const next = state.hosted?.nextPollAt;
	return next !== undefined && next <= now && !state.hosted?.outcome;
}

/**
 * After a read that learned nothing: the next one, twice as late each time (capped), with one last
 * read at the checkout's expiry so that `checkout.expired` is only said after Flexiti had nothing.
 */
export function scheduleNextPoll(state: OrderState, now: number, baseMs: number, expiresAt: number): void {
	const session = state.hosted;
	if (!session) return;
	session.polls += 1;
	if (session.outcome || now >= expiresAt) {
		delete session.nextPollAt;
		return;
	}
	const delay = Math.min(baseMs * 2 ** session.polls, MAX_POLL_DELAY_MS);
	session.nextPollAt = Math.min(now + delay, expiresAt);
}

export type HostedOutcome =
	| { kind: "authorized"; transactionId: FlexitiId }
	| { kind: "declined"; error: string; message: string };

/**
 * What a notification means for a purchase. `purchase.status` `Success` with a `transaction_id` is a
 * purchase (its POS API authorization, see hosted-authorization.ts); any other final word is a decline.
 * Statuses are read without regard to case (the docs and hyperswitch spell them differently).
 */
export function outcomeOf(notification: Notification): HostedOutcome {
	const status = notification.purchase?.status?.toLowerCase();
	const transactionId = transactionIdOf(notification.transaction_id);
	if (status === "success" && transactionId !== undefined) return { kind: "authorized", transactionId };
	if (notification.purchase) {
		return { kind: "declined", error: "purchase_failed", message: `Flexiti's hosted checkout: purchase ${status}` };
	}
	const applyStatus = notification.apply?.apply_status;
	return {
		kind: "declined",
		error: applyStatus && applyStatus.toUpperCase() !== "SUCCESS" ? "application_declined" : "no_purchase",
		message: applyStatus
			? `Flexiti's hosted checkout: application ${applyStatus}, no purchase`
			: "Flexiti's hosted checkout ended without a purchase",
	};
}

/**
 * The notification's `transaction_id` as the POS API id it is, every digit kept: a number (read
 * losslessly by the Online API client, so a `bigint` past 2^53) or a string of digits (hyperswitch).
 * Never `Number()`, which rounds 9007199254740993 to another authorization (and reads "0x10" as 16).
 */
function transactionIdOf(value: Notification["transaction_id"] | undefined): FlexitiId | undefined {
	const digits = typeof value === "string" ? value : value?.toString();
	return digits !== undefined && /^[0-9]{1,18}$/.test(digits) && BigInt(digits) > 0n ? idOf(digits) : undefined;
}
