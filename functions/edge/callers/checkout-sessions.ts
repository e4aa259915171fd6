/**
 * Shopper calls come in bursts (widget, calculate-interest, authorization), so this isolate keeps
 * what a client token unlocked for a short while instead of asking the order's Durable Object every
 * time. Only what cannot change is trusted from here: the checkout's client, reference, amount and
 * flow id, and a customer token until its refresh window; anything that can change (status, widget
 * session, authorization) is read from the order itself where it matters.
 */

import type { FlexitiToken } from "../flexiti/flexiti-token.ts";
import { REFRESH_AHEAD_MS } from "../flexiti/token-broker.ts";
import type { CheckoutSession } from "../orders/order.ts";

/** Never trust a cached session longer than this, nor past the client token's own expiry. */
const SESSION_TTL_MS = 30_000;
const MAX_SESSIONS = 10_000;

const sessions = new Map<string, { session: CheckoutSession; until: number }>();

export const checkoutSessions = {
	get(tokenDigest: string, now = Date.now()): CheckoutSession | undefined {
		const cached = sessions.get(tokenDigest);
		if (!cached) return undefined;
		if (cached.until <= now) {
			sessions.delete(tokenDigest);
			return undefined;
		}
		const token = cached.session.customerToken;
		if (token && token.expiresAt - now <= REFRESH_AHEAD_MS) {
			const { customerToken: _, ...rest } = cached.session;
			cached.session = rest;
		}
		return cached.session;
	},

	set(tokenDigest: string, session: CheckoutSession, now = Date.now()): void {
		const oldest = sessions.keys().next();
		if (sessions.size >= MAX_SESSIONS && !oldest.done) sessions.delete(oldest.value);
		sessions.set(tokenDigest, {
			session,
			until: Math.min(now + SESSION_TTL_MS, Date.parse(session.checkout.expires_at)),
		});
	},

	/**
	 * The order handed out its customer token to a call of this session (which was cached without
	 * one, or with one in its refresh window): the session's next calls use it, until its refresh window.
	 */
	keepToken(tokenDigest: string, token: FlexitiToken, now = Date.now()): void {
		const cached = sessions.get(tokenDigest);
		if (cached && token.expiresAt - now > REFRESH_AHEAD_MS)
			cached.session = { ...cached.session, customerToken: token };
	},

	/** The checkout changed in a way a shopper's next call depends on (its widget session): ask the order again. */
	forget(checkoutId: string): void {
		for (const [digest, cached] of sessions)
			if (cached.session.checkout.checkout_id === checkoutId) sessions.delete(digest);
	},

	/** The order handed out a new customer token (or Flexiti rejected the old one): forget ours. */
	forgetToken(checkoutId: string): void {
		for (const cached of sessions.values()) {
			if (cached.session.checkout.checkout_id === checkoutId) {
				const { customerToken: _, ...rest } = cached.session;
				cached.session = rest;
			}
		}
	},

	clear(): void {
		sessions.clear();
	},
};
