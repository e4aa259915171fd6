/**
 * One authorization per order. A double click, a retry after a lost answer, a merchant's retry after
 * the edge said 503: each must end with the one authorization Flexiti made, never a second hold on
 * the shopper's credit that no cancel releases. The order's Durable Object admits every attempt
 * (see `Order.authorizeOnce`); this module holds what it does at Flexiti:
 *  - `sendAuthorization`: the call, and whether its outcome is known (Flexiti answered) or not
 *    (no answer, a timeout, a 5xx after the request may have been taken);
 *  - `findAuthorization`: whether an attempt whose outcome is unknown happened after all. Flexiti has
 *    no idempotency key on `authorization` (documented on `transactions` only), but it lists an
 *    account's authorizations by creation date, each with its `reference` — the order's reference
 *    identifies it.
 */
import type { components } from "../../../generated/flexiti-pos-api.ts";
import type { EdgeBindings } from "../core/env.ts";
import {
	callFlexiti,
	type FlexitiCall,
	type FlexitiResult,
	outcomeUnknown,
	succeeded,
	successBody,
	type TokenSource,
} from "../flexiti/gateway.ts";
import { UpstreamError, type UpstreamFailure } from "../flexiti/upstream.ts";

export type Authorization = components["schemas"]["Authorization"];

/** An attempt sent to Flexiti whose outcome is not known yet: kept durably until it is. */
export interface PendingAuthorization {
	/** When it was sent (ms). */
	since: number;
	/** When its outcome was found not to be known (ms): the grace before anything is sent again starts there. */
	unknownSince?: number;
	accountNumber: string;
}

/** What an attempt comes to, as plain data (errors lose their class across RPC). */
export type AuthorizationOutcome =
	| {
			kind: "answer";
			status: number;
			/** The success body, as Flexiti sent it. */
			text?: string;
			/** Flexiti's error envelope (or text). */
			error?: unknown;
			retryAfter?: string;
			/** Found at Flexiti after an attempt whose answer was lost. */
			adopted?: boolean;
	  }
	| { kind: "upstream_failure"; code: UpstreamFailure }
	| { kind: "token_unavailable" }
	/** An earlier attempt had no answer and Flexiti does not list it yet: nothing is sent before this. */
	| { kind: "outcome_pending"; retryAfterSeconds: number }
	| {
			kind: "refused";
			error: "not_permitted" | "checkout_hosted" | "account_mismatch" | "upstream_error";
			message: string;
	  };

export type Sent =
	| { known: true; result: FlexitiResult<"createAuthorization"> }
	| { known: false; result?: FlexitiResult<"createAuthorization">; failure?: UpstreamFailure }
	| { tokenless: true };

/** Sends the authorization; says whether Flexiti's answer tells what happened. */
export async function sendAuthorization(env: EdgeBindings, call: FlexitiCall, tokens: TokenSource): Promise<Sent> {
	let tokenHad = false;
	const tracked: TokenSource = {
		async get() {
			const token = await tokens.get();
			tokenHad = true;
			return token;
		},
		drop: (token) => tokens.drop(token),
	};
	try {
		const result = await callFlexiti(env, "createAuthorization", call, tracked);
		const status = result.response.status;
		// No answer to go by: a gateway's 5xx or a timeout may come after Flexiti took the request.
		if (outcomeUnknown(status)) return { known: false, result };
		return { known: true, result };
	} catch (error) {
		if (!tokenHad) return { tokenless: true };
		return { known: false, failure: error instanceof UpstreamError ? error.code : "upstream_unreachable" };
	}
}

/**
 * The authorization with this reference that Flexiti made for the account since the attempt, if any;
 * "unknown" when Flexiti could not say (the caller must not try again before it can).
 */
export async function findAuthorization(
	env: EdgeBindings,
	clientId: string,
	reference: string,
	pending: PendingAuthorization,
	tokens: TokenSource,
	header: Record<string, string>,
): Promise<Authorization | undefined | "unknown"> {
	// A day's margin: Flexiti filters by date, and its day may not be the edge's.
	const from = new Date(pending.since - 86_400_000).toISOString().slice(0, 10);
	const pageSize = 100;
	try {
		for (let page = 1; page <= 10; page++) {
			const query = {
				account_number: pending.accountNumber,
				creation_date_from: from,
				page_number: String(page),
				page_size: String(pageSize),
			};
			const result = await callFlexiti(
				env,
				"listAuthorizations",
				{ params: { client_id: clientId }, query, header },
				tokens,
			);
			if (!succeeded(result)) return "unknown";
			const list = successBody(result);
			const found = list.items.find((a) => a.reference === reference);
			if (found) return found;
			if (page * pageSize >= list.total || list.items.length === 0) return undefined;
		}
		return "unknown";
	} catch {
		return "unknown";
	}
}

/** Flexiti's answer as an outcome. */
export function outcomeOf(result: FlexitiResult): AuthorizationOutcome {
	const retryAfter = result.response.headers.get("retry-after");
	return {
		kind: "answer",
		status: result.response.status,
		...(result.response.ok ? { text: result.text ?? "" } : { error: result.error }),
		...(retryAfter ? { retryAfter } : {}),
	};
}
