/**
 * What the orders do with a call the `/flexiti` forwarder passes on: the forwarder forwards (match,
 * caller, validation, answer) and hands every validated call to `forwardToFlexiti`, which
 *  - sends a checkout's authorization, and a merchant's that names a `reference`, through that
 *    order's Durable Object (one authorization per order, whatever the races);
 *  - sends everything else through the Flexiti gateway with the token of the right scope: the
 *    merchant token, or the checkout's own customer token (kept by its order);
 *  - remembers what a checkout needs once Flexiti said yes (its widget session), and enters money a
 *    merchant moved into its order's ledger (forwarded-movement.ts).
 */
import type { EdgeBindings } from "../core/env.ts";
import { errorName } from "../core/redact.ts";
import { type FlexitiToken, TokenUnavailable } from "../flexiti/flexiti-token.ts";
import {
	callFlexiti,
	type FlexitiResult,
	type FlexitiSuccess,
	isAnswerTo,
	merchantTokens,
	succeeded,
	successBody,
	type TokenSource,
} from "../flexiti/gateway.ts";
import { watchedTokens } from "../flexiti/token-guard.ts";
import { isCallTo, type ValidatedCall } from "../flexiti/validated-call.ts";
import type { AuthorizationOutcome } from "./authorize-once.ts";
import { movesMoney, recordForwardedMovement } from "./forwarded-movement.ts";
import { orderByCheckoutId, orderByReference } from "./order-stubs.ts";

/** Who the call is forwarded for, as far as the orders care. */
export type ForwardedFor =
	| { kind: "merchant" }
	| {
			kind: "checkout";
			checkoutId: string;
			reference: string;
			/** The checkout's customer token as the isolate knows it, if it is still fresh. */
			customerToken?: FlexitiToken | undefined;
	  };

export interface ForwardHooks {
	waitUntil(promise: Promise<unknown>): void;
	/** Where the call's token came from, for the request log (the first source wins). */
	tokenSource(source: string): void;
	/** The isolate's copy of the checkout is out of date: its customer token, or its whole session. */
	checkoutChanged(what: "token" | "session"): void;
	/** The order handed out the checkout's customer token, which the isolate's copy lacked: keep it there. */
	customerTokenIssued(token: FlexitiToken): void;
}

export type ForwardOutcome =
	/** Flexiti's answer, and the tokens the call used (none of them may leave the worker). */
	| { kind: "answered"; result: FlexitiResult; used: FlexitiToken[] }
	/** The order's Durable Object admitted (or refused) an authorization. */
	| { kind: "authorization"; outcome: AuthorizationOutcome };

/**
 * Sends one validated call to Flexiti for `forwardedFor`, and keeps what the orders must know of it.
 * Throws `UpstreamError` when Flexiti cannot be reached and `TokenUnavailable`/`TokenRefused` when no
 * token can be had, as the gateway does.
 */
export async function forwardToFlexiti(
	env: EdgeBindings,
	forwardedFor: ForwardedFor,
	clientId: string,
	call: ValidatedCall,
	hooks: ForwardHooks,
): Promise<ForwardOutcome> {
	const { operationId } = call;
	const order = isCallTo(call, "createAuthorization") ? authorizingOrder(env, forwardedFor, clientId, call) : undefined;
	if (order) return { kind: "authorization", outcome: await order.stub.authorizeOnce(order.request) };
	const { tokens, used } = watchedTokens(tokenSource(env, forwardedFor, clientId, hooks));
	const result = await callFlexiti(env, operationId, call, tokens);
	if (succeeded(result)) {
		// Flexiti has done it: bookkeeping that fails must not turn its answer into an error.
		await remember(env, forwardedFor, call, result, hooks).catch((error: unknown) => {
			console.error(JSON.stringify({ event: "remember_failed", operation: operationId, name: errorName(error) }));
		});
		// Money it moved enters the order's ledger, as money moved by order events does. Only calls
		// that move money have their answer parsed; every other answer goes back as Flexiti sent it.
		if (movesMoney(operationId)) {
			await recordForwardedMovement(env, clientId, call, result, hooks.waitUntil).catch((error: unknown) => {
				console.error(
					// The error's name only, as for remember_failed: its message may carry the order's reference.
					JSON.stringify({
						event: "ledger_movement_unrecorded",
						operation: operationId,
						name: errorName(error),
					}),
				);
			});
		}
	}
	return { kind: "answered", result, used };
}

/**
 * The order that admits this authorization: a checkout's own, or for a merchant the order of the
 * reference it names (without a reference there is no order to hold it to).
 */
function authorizingOrder(
	env: EdgeBindings,
	forwardedFor: ForwardedFor,
	clientId: string,
	call: ValidatedCall<"createAuthorization">,
) {
	// Plain data across RPC: matched path parameters come in a null-prototype object, which RPC cannot send.
	const plain = { ...call, params: { ...call.params } };
	if (forwardedFor.kind === "checkout") {
		const stub = orderByCheckoutId(env, forwardedFor.checkoutId);
		const request = { by: "checkout" as const, clientId, reference: forwardedFor.reference, call: plain };
		return stub ? { stub, request } : undefined;
	}
	const { reference } = call.body;
	if (reference === undefined) return undefined;
	return {
		stub: orderByReference(env, clientId, reference).order,
		request: { by: "merchant" as const, clientId, reference, call: plain },
	};
}

/** The token of the right scope: the merchant token cache, or the checkout's own customer token. */
function tokenSource(
	env: EdgeBindings,
	forwardedFor: ForwardedFor,
	clientId: string,
	hooks: ForwardHooks,
): TokenSource {
	if (forwardedFor.kind === "checkout") {
		const order = orderByCheckoutId(env, forwardedFor.checkoutId);
		let known = forwardedFor.customerToken;
		return {
			async get(): Promise<FlexitiToken> {
				if (known) {
					hooks.tokenSource("checkout-cached");
					return known;
				}
				const result = await order?.customerToken();
				if (!result || "unavailable" in result) throw new TokenUnavailable(null);
				hooks.tokenSource("checkout");
				// Without this, every call of the checkout would ask its order again until the isolate's
				// copy of the session expires.
				hooks.customerTokenIssued(result.token);
				return result.token;
			},
			async drop(token: FlexitiToken) {
				known = undefined;
				hooks.checkoutChanged("token");
				await order?.dropCustomerToken(token.accessToken);
			},
		};
	}
	return merchantTokens(env, clientId, hooks.waitUntil, hooks.tokenSource);
}

/**
 * What a checkout remembers of a successful call: its widget session, in its order's Durable Object
 * (authorizations are recorded by the order that admits them, see `authorizingOrder`).
 */
async function remember(
	env: EdgeBindings,
	forwardedFor: ForwardedFor,
	call: ValidatedCall,
	result: FlexitiSuccess,
	hooks: ForwardHooks,
) {
	if (!isAnswerTo(result, "initWidget") || !isCallTo(call, "initWidget") || forwardedFor.kind !== "checkout") return;
	const url = successBody(result).redirection_url;
	const session = /[?&]widget_session_id=([^&]+)/.exec(url)?.[1];
	if (session) {
		const named = call.body.customer_identification?.account_number;
		const account = named !== undefined ? String(named) : undefined;
		await orderByCheckoutId(env, forwardedFor.checkoutId)?.recordWidgetSession(decodeURIComponent(session), account);
		// The isolate's copy of this checkout predates its widget session.
		hooks.checkoutChanged("session");
	}
}
