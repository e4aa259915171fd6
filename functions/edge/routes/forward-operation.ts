/**
 * The edge serves the Flexiti POS API contract under `/flexiti`: one handler for every operation of
 * the generated table. It forwards, and only that. For each call it
 *   1. matches the operation (unknown → 404), and the client id (not configured → 404);
 *   2. checks the caller may call it (a checkout only customer-scope operations, only its own client);
 *   3. validates parameters and body against the spec (→ 409 wrong_inputs; nothing goes upstream),
 *      then applies the checkout's rules for a shopper;
 *   4. sets `x-reference-id` (the checkout's flow id, the merchant's GUID, or a new one) and, where
 *      Flexiti honours it, an `x-idempotency-key` (the caller's, or the gateway's);
 *   5. hands the call to the orders (`forwardToFlexiti`), which send it through the Flexiti gateway
 *      with the token of the right scope (or through the order that admits an authorization) and
 *      keep what a checkout or a ledger must remember;
 *   6. answers with Flexiti's answer, or the edge's error for an outage (the gateway's `outageAnswer`).
 */

import type { Context } from "hono";
import { type FlexitiOperationId, flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { flexitiRequestSchemas } from "../../../generated/flexiti-request-schemas.ts";
import { sha256Hex } from "../../contract/bytes.ts";
import { isJsonObject } from "../../contract/json-object.ts";
import { canonicalJson } from "../../contract/lossless-json.ts";
import { matchOperation, nearestOperation } from "../../contract/match-operation.ts";
import { readJsonBody } from "../../contract/read-json-body.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { type Caller, clientNotPermitted } from "../callers/caller.ts";
import { checkoutSessions } from "../callers/checkout-sessions.ts";
import { merchantRefusal } from "../callers/merchant-policy.ts";
import { accountRefusal, checkoutAuthorized, shopperAnswerText, shopperRefusal } from "../callers/shopper-policy.ts";
import { FLEXITI_PREFIX } from "../callers/storefront-cors.ts";

export { FLEXITI_PREFIX };

import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { TokenRefused, TokenUnavailable } from "../flexiti/flexiti-token.ts";
import { type FlexitiResult, outageAnswer, withIdempotencyKey } from "../flexiti/gateway.ts";
import { carriesToken } from "../flexiti/token-guard.ts";
import { UpstreamError } from "../flexiti/upstream.ts";
import type { ValidatedCall } from "../flexiti/validated-call.ts";
import type { AuthorizationOutcome } from "../orders/authorize-once.ts";
import { type ForwardedFor, forwardToFlexiti } from "../orders/forwarded-call.ts";
import { orderByCheckoutId } from "../orders/order-stubs.ts";
import { applyCheckoutRules } from "./checkout-rules.ts";

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const NO_QUERY = new URLSearchParams();

export async function forwardOperation(c: Context<EdgeEnv>): Promise<Response> {
	const log = c.get("log");
	const path = c.req.path.slice(FLEXITI_PREFIX.length);
	// HEAD is the GET without its body (RFC 9110 §9.3.2): Hono answers it by running GET and dropping the
	// body, and the request itself still says HEAD.
	const method = c.req.method === "HEAD" ? "GET" : c.req.method;
	const matched = matchOperation(method, path);
	// The edge mints tokens itself: Flexiti's token endpoint is not something a caller reaches through it.
	if (!matched || matched.operationId === "createToken") {
		const nearest = matched ? undefined : nearestOperation(method, path);
		const hint =
			nearest && nearest.operationId !== "createToken" ? `: this operation is at ${FLEXITI_PREFIX}${nearest.path}` : "";
		throw new EdgeError("not_found", `No Flexiti operation ${method} ${path}${hint}`);
	}
	const { operationId, params } = matched;
	const entry = flexitiOperations[operationId];
	const clientId = params.client_id ?? "";
	log.operation = operationId;
	log.client_id = clientId;

	const config = edgeConfig(c.env);
	if (!config.clients.has(clientId)) throw new EdgeError("unknown_client", `Client ${clientId} is not configured`);

	const caller = c.get("caller");
	const refusal = callerRefusal(caller, operationId, entry.scopes, clientId);
	if (refusal) throw refusal;

	// Echoed on the answer (`answer`), and on a refusal from here on (renderEdgeError reads it from the log).
	const referenceId = chooseReferenceId(c, caller);
	log.reference_id = referenceId;

	const parsed = await readJsonBody(c.req.raw, flexitiRequestSchemas[operationId].body ? "expected" : "refused");
	if (!parsed.ok) throw wrongInputs([parsed.fieldError]);
	// What the checkout decides is filled in (or a different value refused) before validation.
	let body = parsed.body;
	if (caller.kind === "checkout") {
		log.checkout_id = caller.checkout.checkout_id;
		if (operationId === "initWidget") await refuseIfWidgetClosed(c, caller.checkout.checkout_id);
		const rules = applyCheckoutRules(operationId, body, caller.checkout);
		if (!rules.ok) throw wrongInputs(rules.fieldErrors);
		body = rules.body;
	}
	// Most calls have no query: no URL is parsed and no URLSearchParams made for them (validation only reads it).
	const query = c.req.url.includes("?") ? new URL(c.req.url).searchParams : NO_QUERY;
	// The headers as they go upstream (with the reference id chosen above), read without copying them.
	const headers = {
		get: (name: string) => (name.toLowerCase() === "x-reference-id" ? referenceId : c.req.raw.headers.get(name)),
	};
	const validation = validateRequest(
		flexitiRequestSchemas[operationId],
		{
			path: params,
			query,
			headers,
			body,
		},
		// Nothing the spec does not declare goes upstream: undeclared body properties and query parameters are refused.
		{ closed: true },
	);
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
	// A well-formed call may still name an account its checkout is not for (judged after the field errors,
	// which say more).
	if (caller.kind === "checkout" && operationId !== "initWidget") {
		await refuseOtherAccount(c, caller, accountNamed(params, body));
	}

	// Idempotency headers only where Flexiti honours them; the caller's key kept, else the gateway's,
	// decided here so that the orders (a ledger entry names it) and Flexiti get the same one.
	const header: Record<string, string> = { "x-reference-id": referenceId };
	if (entry.idempotencyKey) {
		const callerKey = c.req.header("x-idempotency-key");
		if (callerKey) header["x-idempotency-key"] = callerKey;
		Object.assign(header, withIdempotencyKey(operationId, header));
		// Flexiti answers a repeated key with its first success, whatever the body: with the hash of the body
		// beside it (`x-context-hash`, Flexiti's own check), a key reused for another request is flagged
		// instead of answered with the first one's result (a capture of 20 told it captured 10). The caller's
		// hash is kept; else the edge hashes the body it sends, when the caller chose the key, its keys in
		// one order (a retry whose client writes the same fields in another order is the same request).
		const contextHash =
			c.req.header("x-context-hash") ??
			(callerKey && body !== undefined ? await sha256Hex(canonicalJson(body)) : undefined);
		if (contextHash) header["x-context-hash"] = contextHash;
	}

	// Only what the spec declares goes upstream, as validated. The one place a forwarded body becomes
	// its operation's request type, and the forwarder's one assertion: it was validated against this
	// operation's schemas just above, and TypeScript cannot relate a JSON Schema value to a type — both
	// are generated from spec/flexiti-pos-api.yaml by `npm run generate` (drift-checked).
	const call = { operationId, params, query: stringValues(validation.value.query), header, body } as ValidatedCall;
	const started = Date.now();
	try {
		const forwarded = await forwardToFlexiti(c.env, forwardedFor(caller), clientId, call, {
			waitUntil: (promise) => c.executionCtx.waitUntil(promise),
			tokenSource: (source) => {
				log.token_source ??= source;
			},
			checkoutChanged: (what) => {
				if (caller.kind !== "checkout") return;
				if (what === "token") checkoutSessions.forgetToken(caller.checkout.checkout_id);
				else checkoutSessions.forget(caller.checkout.checkout_id);
			},
			customerTokenIssued: (token) => {
				if (caller.kind === "checkout") checkoutSessions.keepToken(caller.tokenDigest, token);
			},
		});
		log.upstream_ms = Date.now() - started;
		if (forwarded.kind === "authorization") return authorizationAnswer(c, forwarded.outcome, referenceId);
		const { result, used } = forwarded;
		if (result.retriedWithFreshToken) log.token_source = "refreshed-on-401";
		log.upstream_status = result.response.status;
		// A merchant-scope token in an answer would leave the worker: withhold the answer, whatever it was.
		if (caller.kind === "merchant" && carriesToken(result, used)) {
			console.error(JSON.stringify({ event: "merchant_token_in_answer_withheld", operation: operationId }));
			throw new EdgeError("upstream_error", "Flexiti's answer carried a merchant token and was withheld");
		}
		if (caller.kind === "checkout" && result.response.ok) {
			return answer(c, { ...result, text: shopperAnswerText(operationId, result.text) }, referenceId);
		}
		return answer(c, result, referenceId);
	} catch (error) {
		// An answer refused above (a 5xx, a withheld token, an order's refusal) has its time already.
		log.upstream_ms ??= Date.now() - started;
		const outage = error instanceof UpstreamError ? outageAnswer(error.code) : undefined;
		if (outage) throw new EdgeError(outage.code, outage.message);
		if (error instanceof TokenUnavailable || error instanceof TokenRefused) throw tokenUnavailable();
		throw error;
	}
}

/** Who the orders forward the call for. */
function forwardedFor(caller: Caller): ForwardedFor {
	if (caller.kind !== "checkout") return { kind: "merchant" };
	return {
		kind: "checkout",
		checkoutId: caller.checkout.checkout_id,
		reference: caller.checkout.reference,
		customerToken: caller.customerToken,
	};
}

/** What the order's Durable Object decided about an authorization, as the edge's answer. */
function authorizationAnswer(c: Context<EdgeEnv>, outcome: AuthorizationOutcome, referenceId: string): Response {
	const log = c.get("log");
	switch (outcome.kind) {
		case "refused":
			throw new EdgeError(outcome.error, outcome.message);
		case "token_unavailable":
			throw tokenUnavailable();
		case "upstream_failure":
			throw new EdgeError(outcome.code, "Flexiti did not answer");
		case "outcome_pending":
			throw new EdgeError(
				"upstream_unavailable",
				`An earlier attempt at this authorization got no answer, and Flexiti does not list it yet: nothing is sent again for ${outcome.retryAfterSeconds} s`,
				{ headers: { "retry-after": String(outcome.retryAfterSeconds) } },
			);
		case "answer": {
			log.upstream_status = outcome.status;
			if (outcome.adopted) log.token_source = "adopted-after-lost-answer";
			const headers = new Headers(outcome.retryAfter ? { "retry-after": outcome.retryAfter } : {});
			const response = new Response(null, { status: outcome.status, headers });
			return answer(
				c,
				{
					operationId: "createAuthorization",
					response,
					text: outcome.text,
					error: outcome.error,
					retriedWithFreshToken: false,
				},
				referenceId,
			);
		}
	}
}

/** Flexiti did not issue a token (merchant or the checkout's customer token). */
function tokenUnavailable(): EdgeError {
	return new EdgeError("token_unavailable", "Flexiti did not issue a token; try again shortly");
}

function callerRefusal(
	caller: Caller,
	operationId: FlexitiOperationId,
	scopes: readonly string[],
	clientId: string,
): EdgeError | undefined {
	if (caller.kind === "anonymous") {
		return new EdgeError("invalid_credentials", "A merchant API key or a checkout client token is required");
	}
	if (caller.kind === "merchant") {
		if (!caller.clientIds.has(clientId)) return clientNotPermitted(clientId);
		return merchantRefusal(operationId);
	}
	if (caller.checkout.client_id !== clientId) {
		return new EdgeError("checkout_mismatch", "This checkout is for another client");
	}
	return shopperRefusal(operationId, scopes);
}

/** The Flexiti account a call names: in its path, its body, or the widget's `customer_identification`. */
function accountNamed(params: Record<string, string>, body: unknown): string | undefined {
	if (params.account_number) return params.account_number;
	if (!isJsonObject(body)) return undefined;
	const identification = body.customer_identification;
	const named = body.account_number ?? (isJsonObject(identification) ? identification.account_number : undefined);
	return typeof named === "number" || typeof named === "string" ? String(named) : undefined;
}

/**
 * A shopper's call naming an account its checkout is not for (shopper-policy.ts `accountRefusal`). This
 * isolate's copy of the checkout may predate a widget opened through another isolate, and a widget that
 * named no account (a FlexitiCard's, an applicant's) takes the first one named: in either case the order
 * itself decides.
 */
async function refuseOtherAccount(
	c: Context<EdgeEnv>,
	caller: Extract<Caller, { kind: "checkout" }>,
	named: string | undefined,
) {
	if (named === undefined) return;
	const cached = { widgetOpened: caller.checkout.widget_session_id !== undefined, accountNumber: caller.accountNumber };
	if (cached.accountNumber !== undefined && !accountRefusal(named, cached)) return;
	if (caller.checkout.channel === "hosted") throw paidOnHostedPage();
	const order = orderByCheckoutId(c.env, caller.checkout.checkout_id);
	const known = order ? await order.accountFor(caller.tokenDigest, named) : cached;
	// Revoked since this isolate cached it (the checkout was created again): refused as at identification.
	if (known === null) throw new EdgeError("invalid_credentials", "Unknown or expired client token");
	const refusal = accountRefusal(named, known);
	if (refusal) throw refusal;
}

/**
 * A checkout's flow ends with its authorization: the widget is not opened again on it; and a hosted
 * checkout's shopper pays on Flexiti's page, never in the widget (both read from the order itself, not
 * from this isolate's session cache).
 */
async function refuseIfWidgetClosed(c: Context<EdgeEnv>, checkoutId: string): Promise<void> {
	const checkout = await orderByCheckoutId(c.env, checkoutId)?.checkout();
	if (checkout?.status === "authorized") throw checkoutAuthorized(checkout.authorization_id);
	if (checkout?.channel === "hosted") throw paidOnHostedPage();
}

/** A hosted checkout's shopper pays on Flexiti's page: no widget, and nothing naming an account here. */
function paidOnHostedPage(): EdgeError {
	return new EdgeError(
		"checkout_hosted",
		"This checkout is paid on Flexiti's hosted checkout (its redirection_url), not in the widget",
	);
}

/** Flexiti's answer, as Flexiti gave it; an outage after retries becomes a clear 502/503/504 of the edge. */
function answer(c: Context<EdgeEnv>, result: FlexitiResult, referenceId: string): Response {
	const { response } = result;
	const status = response.status;
	const outage = outageAnswer(status);
	if (outage) throw new EdgeError(outage.code, outage.message);
	const headers: Record<string, string> = { "x-reference-id": referenceId };
	const retryAfter = response.headers.get("retry-after");
	if (retryAfter) headers["retry-after"] = retryAfter;
	// A success goes back byte for byte; an error envelope as parsed (a firewall's HTML stays text).
	if (response.ok)
		return new Response(result.text ?? null, { status, headers: { ...headers, "content-type": "application/json" } });
	if (result.error === undefined || typeof result.error === "string") {
		return new Response(result.error ?? null, { status, headers: { ...headers, "content-type": "text/plain" } });
	}
	// Flexiti's envelope names Flexiti's own path; the caller called the edge's, and looks for that one.
	const error =
		typeof result.error === "object" && result.error !== null && "url" in result.error
			? { ...result.error, url: new URL(c.req.url).pathname }
			: result.error;
	return Response.json(error, { status, headers });
}

/**
 * A shopper's calls all carry their checkout's flow id (Flexiti traces a flow by it, and a browser
 * cannot know it); a merchant's keep their own GUID, or get a new one per request.
 */
function chooseReferenceId(c: Context<EdgeEnv>, caller: Caller): string {
	if (caller.kind === "checkout") return caller.flowReferenceId;
	const given = c.req.header("x-reference-id");
	return given && GUID.test(given) ? given : crypto.randomUUID();
}

function stringValues(query: Record<string, unknown>): Record<string, string> {
	return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)]));
}
