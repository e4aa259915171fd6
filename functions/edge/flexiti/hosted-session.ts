/**
 * The two Online API calls of a hosted checkout: opening the session (`systems/init`) and reading its
 * outcome (`notifications/order-id`), both with the client's Online API merchant token, which never
 * leaves this module's callers (the order's Durable Object and the checkout route).
 */
import type { components } from "../../../generated/flexiti-online-api.ts";
import { type FlexitiId, idOf } from "../../contract/lossless-json.ts";
import type { EdgeBindings } from "../core/env.ts";
import { onlineClient, onlineTokens, withOnlineToken } from "./call-flexiti-online.ts";
import type { TokenCache } from "./token-cache.ts";
import { UpstreamError } from "./upstream.ts";

export type Notification = components["schemas"]["Notification"];

export interface HostedSessionRequest {
	clientId: string;
	amount: number;
	/** The merchant's order reference: Flexiti's merchant order id. */
	reference: string;
	lang: "en" | "fr";
	/** The checkout's flow reference id, as x-reference-id. */
	referenceId: string;
}

/** Why no session was opened, as the edge's error codes say it (spec/edge-api.yaml `ErrorCode`). */
export type HostedSessionFailure = {
	error: "upstream_error" | "upstream_unavailable" | "upstream_unreachable" | "upstream_timeout" | "token_unavailable";
	message: string;
};

/** A session Flexiti opened: its `online_order_id` exact (a number within 2^53, a `bigint` past it). */
export interface HostedSessionStarted {
	onlineOrderId: FlexitiId;
	redirectionUrl: string;
	/** The language Flexiti built the session's page in: it cannot be changed afterwards. */
	lang: "en" | "fr";
}

export type HostedSessionStart = ({ ok: true } & HostedSessionStarted) | ({ ok: false } & HostedSessionFailure);

type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * `systems/init` for a purchase (flow `Apply/Buy`, so a shopper without an account can apply first).
 * Not retried: Flexiti documents no idempotency for it, and a second session is worse than an error.
 */
export async function startHostedSession(
	env: EdgeBindings,
	request: HostedSessionRequest,
	waitUntil: WaitUntil,
	/** The calling order's own token cache (orders/order-state.ts `OrderRuntime.tokens`). */
	tokens: TokenCache,
): Promise<HostedSessionStart> {
	const { clientId } = request;
	try {
		const { data, response } = await withOnlineToken(onlineTokens(env, clientId, waitUntil, tokens), (authorization) =>
			onlineClient(env).POST("/online/v2/client-id/{clientId}/systems/init", {
				params: { path: { clientId } },
				headers: { authorization, "x-reference-id": request.referenceId },
				body: {
					// Documented spellings: `Apply/Buy`, and the merchant order id as `merchant_orderid`.
					flow: "Apply/Buy",
					lang: request.lang === "fr" ? "fr-CA" : "en-CA",
					amount_requested: request.amount,
					merchant_orderid: request.reference,
				},
			}),
		);
		if (data) {
			const onlineOrderId = exactOnlineOrderId(data.online_order_id);
			if (onlineOrderId !== undefined) {
				return { ok: true, onlineOrderId, redirectionUrl: data.redirection_url, lang: request.lang };
			}
			// Not an id: no session the edge could ever read again. The value is not quoted (it is Flexiti's).
			return {
				ok: false,
				error: "upstream_error",
				message: "Flexiti opened a hosted checkout with an online_order_id that is not an id (digits)",
			};
		}
		return {
			ok: false,
			error: response.status === 503 ? "upstream_unavailable" : "upstream_error",
			message: `Flexiti did not open a hosted checkout (systems/init answered ${response.status})`,
		};
	} catch (error) {
		if (error instanceof UpstreamError) return { ok: false, error: error.code, message: error.message };
		return { ok: false, error: "token_unavailable", message: "Flexiti did not issue a token" };
	}
}

/**
 * Flexiti's `online_order_id` as the edge keeps an id: exact, whichever form it came in (the docs show
 * an integer, hyperswitch a string of digits; `OnlineOrderId` in the spec allows both, up to 18
 * digits); undefined when it is not one (`Number()` would have made "12ab" NaN and rounded 18 digits).
 */
export function exactOnlineOrderId(value: FlexitiId | string): FlexitiId | undefined {
	const digits = typeof value === "string" ? value : value.toString();
	return /^[0-9]{1,18}$/.test(digits) && BigInt(digits) >= 1n ? idOf(digits) : undefined;
}

/** What Flexiti says about a session now: its notification, none yet (404), or nothing known (unreachable). */
export type NotificationRead = { kind: "final"; notification: Notification } | { kind: "none" } | { kind: "unknown" };

export async function readNotification(
	env: EdgeBindings,
	clientId: string,
	onlineOrderId: FlexitiId,
	referenceId: string,
	waitUntil: WaitUntil,
	/** The calling order's own token cache (orders/order-state.ts `OrderRuntime.tokens`). */
	tokens: TokenCache,
): Promise<NotificationRead> {
	try {
		const { data, response } = await withOnlineToken(onlineTokens(env, clientId, waitUntil, tokens), (authorization) =>
			onlineClient(env).GET("/online/client-id/{clientId}/notifications/order-id/{orderId}", {
				params: { path: { clientId, orderId: String(onlineOrderId) } },
				headers: { authorization, "x-reference-id": referenceId },
			}),
		);
		if (data) return { kind: "final", notification: data };
		// Inferred: Flexiti answers 404 until the session has an outcome.
		return response.status === 404 ? { kind: "none" } : { kind: "unknown" };
	} catch {
		return { kind: "unknown" };
	}
}
