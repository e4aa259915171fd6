/**
 * An order's checkout: opening it (one per order; each call hands out one more client token),
 * recognising a shopper's client token, the widget session, and the view the merchant and the shopper read.
 * Pure over the order's state; the Durable Object persists what these change.
 */
import type { components } from "../../../generated/edge-api.ts";
import { constantTimeEqual } from "../../contract/constant-time.ts";
import type { CheckoutChannel } from "../core/config.ts";
import type { FlexitiToken } from "../flexiti/flexiti-token.ts";
import type { HostedSessionFailure } from "../flexiti/hosted-session.ts";
import { REFRESH_AHEAD_MS } from "../flexiti/token-broker.ts";
import { isCancelled } from "./cancelled-order.ts";
import { emptyLedger } from "./ledger.ts";
import type { CheckoutView, OrderState } from "./order-state.ts";

type CheckoutStatus = CheckoutView["status"];

/** A shopper's checkout as its client token unlocks it. */
export interface CheckoutSession {
	checkout: CheckoutView;
	flowReferenceId: string;
	/** The Flexiti account the checkout is for, once known: shopper calls may name no other. */
	accountNumber?: string;
	/** Present while it needs no refresh; otherwise ask `customerToken()`. */
	customerToken?: FlexitiToken;
}

/** What a checkout knows of the account it is for: whether its widget was opened, and for which account. */
export interface CheckoutAccount {
	widgetOpened: boolean;
	/** Absent until known: a widget opened for a FlexitiCard number or an applicant names none. */
	accountNumber?: string;
}

/** What opening a checkout needs: the order's facts, and the digest of the client token handed out. */
export type OpenCheckout = Pick<
	OrderState,
	"checkoutId" | "clientId" | "reference" | "amount" | "lang" | "autoCapture" | "returnUrl"
> & {
	channel: CheckoutChannel;
	tokenDigest: string;
	expiresAt: number;
};

export type OpenResult =
	| { ok: true; checkout: components["schemas"]["Checkout"] }
	| { ok: false; conflict: string }
	/** A hosted checkout whose session Flexiti did not open: nothing was created or changed. */
	| { ok: false; unavailable: HostedSessionFailure };

/** Why this order takes no checkout like this one, if it does not. */
export function checkoutConflict(current: OrderState | undefined, input: OpenCheckout): string | undefined {
	if (current && isCancelled(current.ledger)) {
		return `order ${input.reference} was cancelled by the order system: it takes no checkout`;
	}
	if (current && (current.amount !== input.amount || current.clientId !== input.clientId)) {
		return `order ${input.reference} already has a checkout for another amount`;
	}
	// What the shopper authorizes (captured at once or not) is not changed under a checkout silently (an
	// order the edge knows only from a merchant's authorization has had none).
	if (current && current.clientTokens.length > 0 && current.autoCapture !== input.autoCapture) {
		return `order ${input.reference} already has a checkout with auto_capture ${current.autoCapture}`;
	}
	return undefined;
}

/** The order's state with this client token as its only one (a new order when there was none), or the conflict. */
export function openCheckout(
	current: OrderState | undefined,
	input: OpenCheckout,
	now: number,
	/** A new order's flow reference id: the one its hosted session, if any, was already opened with. */
	flowReferenceId: string,
): { state: OrderState } | { conflict: string } {
	const conflict = checkoutConflict(current, input);
	if (conflict) return { conflict };
	const state: OrderState = current ?? {
		checkoutId: input.checkoutId,
		clientId: input.clientId,
		reference: input.reference,
		amount: input.amount,
		lang: input.lang,
		autoCapture: input.autoCapture,
		flowReferenceId,
		clientTokens: [],
		ledger: emptyLedger(),
		createdAt: now,
	};
	// One live client token per checkout: a new one revokes the earlier ones (another tab, a leaked page).
	state.clientTokens = [{ digest: input.tokenDigest, expiresAt: input.expiresAt }];
	state.lang = input.lang; // the shopper's language now (a page switched to French, say)
	state.autoCapture = input.autoCapture; // the same, or the order's first checkout
	state.channel = input.channel;
	if (input.returnUrl !== undefined) state.returnUrl = input.returnUrl;
	return { state };
}

/**
 * The checkout, if this client-token digest is one of its live ones — with what a shopper's call
 * needs next (the flow's reference id, and the customer token while it needs no refresh), so the
 * common call costs one round trip to the order.
 */
export function authenticateCheckout(
	state: OrderState | undefined,
	tokenDigest: string,
	now: number,
): CheckoutSession | null {
	let live = false;
	for (const token of state?.clientTokens ?? []) {
		live = (constantTimeEqual(tokenDigest, token.digest) && token.expiresAt > now) || live;
	}
	if (!live || !state) return null;
	const token = state.customerToken;
	return {
		checkout: checkoutView(state, now),
		flowReferenceId: state.flowReferenceId,
		...(state.accountNumber ? { accountNumber: state.accountNumber } : {}),
		...(token && token.expiresAt - now > REFRESH_AHEAD_MS ? { customerToken: token } : {}),
	};
}

/**
 * The shopper opened Flexiti's widget: the checkout is for the account it named — the latest widget's,
 * so that a mistyped number is corrected by opening the widget again. A widget opened for a FlexitiCard
 * number, or for an applicant, names none: the checkout keeps the account it had, or takes the first one
 * a call names (`claimAccount`). Once an authorization exists or is under way (`settled`), the checkout's
 * account stays: Flexiti authorizes only an account its widget verified, and the edge holds the
 * checkout to the one authorized.
 */
export function recordWidgetSession(
	state: OrderState,
	widgetSessionId: string,
	accountNumber: string | undefined,
	settled: boolean,
): void {
	state.widgetSessionId = widgetSessionId;
	if (!settled && accountNumber !== undefined) state.accountNumber = accountNumber;
}

/**
 * A shopper's call names an account, and the checkout's widget named none (a FlexitiCard's, an
 * applicant's): the first one named is the checkout's from then on. Unchanged before a widget is opened.
 */
export function claimAccount(state: OrderState, accountNumber: string): boolean {
	if (state.widgetSessionId === undefined || state.accountNumber !== undefined) return false;
	state.accountNumber = accountNumber;
	return true;
}

/** When the checkout's last client token expires (ms; 0 for an order without a checkout). */
export function checkoutExpiresAt(state: OrderState): number {
	return Math.max(0, ...state.clientTokens.map((t) => t.expiresAt));
}

export function checkoutView(state: OrderState, now: number): CheckoutView {
	const expiresAt = checkoutExpiresAt(state);
	const authorizationId = state.ledger.authorization?.authorization_id;
	const hosted = state.channel === "hosted" ? state.hosted : undefined;
	const status: CheckoutStatus = authorizationId
		? "authorized"
		: hosted?.outcome === "declined"
			? "declined"
			: expiresAt <= now
				? "expired"
				: state.widgetSessionId
					? "widget_started"
					: "open";
	return {
		checkout_id: state.checkoutId,
		client_id: state.clientId,
		reference: state.reference,
		amount: state.amount,
		lang: state.lang,
		auto_capture: state.autoCapture,
		channel: state.channel ?? "widget",
		status,
		...(hosted ? { online_order_id: hosted.onlineOrderId } : {}),
		...(hosted && !hosted.outcome && status === "open" ? { redirection_url: hosted.redirectionUrl } : {}),
		...(state.widgetSessionId ? { widget_session_id: state.widgetSessionId } : {}),
		...(authorizationId ? { authorization_id: authorizationId } : {}),
		expires_at: new Date(expiresAt).toISOString(),
	};
}
