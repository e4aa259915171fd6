/**
 * The edge serves the Flexiti POS API contract under `/flexiti`: one handler for every operation of
 * the generated table. For each call it
 *   1. matches the operation (unknown → 404), and the client id (not configured → 404);
 *   2. checks the caller may call it (a checkout only customer-scope operations, only its own client);
 *   3. validates parameters and body against the spec (→ 409 wrong_inputs; nothing goes upstream),
 *      then applies the checkout's rules for a shopper;
 *   4. sets `x-reference-id` (the checkout's flow id, the merchant's GUID, or a new one) and, where
 *      Flexiti honours it, a stable `x-idempotency-key`;
 *   5. calls Flexiti through the typed client with the token of the right scope, retrying where safe,
 *      and once with a fresh token if Flexiti says the token is invalid;
 *   6. records what a checkout needs to remember (widget session, authorization).
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type FlexitiOperationId, flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { flexitiRequestSchemas } from "../../../generated/flexiti-request-schemas.ts";
import { createFlexitiClient } from "../../client/flexiti.ts";
import { matchOperation } from "../../contract/match-operation.ts";
import { readJsonBody } from "../../contract/read-json-body.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import type { Caller } from "../callers/caller.ts";
import { orderByCheckoutId } from "../checkouts/orders.ts";
import { edgeConfig } from "../config.ts";
import type { EdgeEnv } from "../context.ts";
import { edgeError } from "../errors.ts";
import { type FlexitiToken, flexitiTokenEndpoint, TokenRefused, TokenUnavailable } from "../tokens/flexiti-token.ts";
import { tokenCache } from "../tokens/token-cache.ts";
import { applyCheckoutRules } from "./checkout-rules.ts";
import { UpstreamError, upstreamSend, withRetries } from "./upstream.ts";

export const FLEXITI_PREFIX = "/flexiti";

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export async function forwardOperation(c: Context<EdgeEnv>): Promise<Response> {
	const log = c.get("log");
	const path = c.req.path.slice(FLEXITI_PREFIX.length);
	const matched = matchOperation(c.req.method, path);
	// The edge mints tokens itself: Flexiti's token endpoint is not something a caller reaches through it.
	if (!matched || matched.operationId === "createToken") {
		return edgeError(c, 404, "not_found", `No Flexiti operation ${c.req.method} ${path}`);
	}
	const { operationId, params } = matched;
	const entry = flexitiOperations[operationId];
	const clientId = params.client_id ?? "";
	log.operation = operationId;
	log.client_id = clientId;

	const config = edgeConfig(c.env);
	if (!config.clients.has(clientId)) return edgeError(c, 404, "unknown_client", `Client ${clientId} is not configured`);

	const caller = c.get("caller");
	const refusal = callerRefusal(caller, entry.scopes, clientId);
	if (refusal) return edgeError(c, refusal.status, refusal.error, refusal.message);

	const referenceId = await chooseReferenceId(c, caller);
	log.reference_id = referenceId;
	c.header("x-reference-id", referenceId);

	const parsed = await readJsonBody(c.req.raw, flexitiRequestSchemas[operationId].body !== undefined);
	if (!parsed.ok) return edgeError(c, 409, "wrong_inputs", "Some inputs are wrong or missing!", [parsed.fieldError]);
	// What the checkout decides is filled in (or a different value refused) before validation.
	let body = parsed.body;
	if (caller.kind === "checkout") {
		log.checkout_id = caller.checkout.checkout_id;
		const rules = applyCheckoutRules(operationId, body, caller.checkout);
		if (!rules.ok) return edgeError(c, 409, "wrong_inputs", "Some inputs are wrong or missing!", rules.fieldErrors);
		body = rules.body;
	}
	const url = new URL(c.req.url);
	const headers = new Headers(c.req.raw.headers);
	headers.set("x-reference-id", referenceId);
	const validation = validateRequest(flexitiRequestSchemas[operationId], {
		path: params,
		query: url.searchParams,
		headers,
		body,
	});
	if (!validation.ok)
		return edgeError(c, 409, "wrong_inputs", "Some inputs are wrong or missing!", validation.fieldErrors);

	const header: Record<string, string> = { "x-reference-id": referenceId };
	if (entry.idempotencyKey) header["x-idempotency-key"] = c.req.header("x-idempotency-key") ?? crypto.randomUUID();
	const contextHash = c.req.header("x-context-hash");
	if (entry.idempotencyKey && contextHash) header["x-context-hash"] = contextHash;

	const tokens = tokenSource(c, caller, clientId);
	let token: FlexitiToken;
	try {
		token = await tokens.get();
	} catch {
		return edgeError(c, 503, "token_unavailable", "Flexiti did not issue a token; try again shortly");
	}

	const started = Date.now();
	try {
		let result = await callFlexiti(c, operationId, { params, query: url.searchParams, header, body }, token);
		// A token Flexiti no longer accepts: drop it, get one fresh token, try once more (no loops).
		if (result.response.status === 401) {
			await tokens.drop(token);
			token = await tokens.get();
			log.token_source = "refreshed-on-401";
			result = await callFlexiti(c, operationId, { params, query: url.searchParams, header, body }, token);
		}
		log.upstream_ms = Date.now() - started;
		log.upstream_status = result.response.status;
		if (caller.kind === "checkout" && result.response.ok)
			await rememberForCheckout(c, caller, operationId, result.body);
		return answer(c, result.response, result.body, referenceId);
	} catch (error) {
		log.upstream_ms = Date.now() - started;
		if (error instanceof UpstreamError) {
			const status = error.code === "upstream_timeout" ? 504 : 502;
			return withReference(edgeError(c, status, error.code, error.message), referenceId);
		}
		if (error instanceof TokenUnavailable || error instanceof TokenRefused) {
			return withReference(
				edgeError(c, 503, "token_unavailable", "Flexiti did not issue a token; try again shortly"),
				referenceId,
			);
		}
		throw error;
	}
}

type CallerRefusal = { status: ContentfulStatusCode; error: string; message: string };

function callerRefusal(caller: Caller, scopes: readonly string[], clientId: string): CallerRefusal | undefined {
	if (caller.kind === "anonymous") {
		return {
			status: 401,
			error: "invalid_credentials",
			message: "A merchant API key or a checkout client token is required",
		};
	}
	if (caller.kind === "merchant") return undefined;
	if (!scopes.includes("customer")) {
		return { status: 403, error: "insufficient_scope", message: "Insufficient scope: this operation needs a merchant" };
	}
	if (caller.checkout.client_id !== clientId) {
		return { status: 403, error: "checkout_mismatch", message: "This checkout is for another client" };
	}
	return undefined;
}

/** The token of the right scope: the merchant token cache, or the checkout's own customer token. */
function tokenSource(c: Context<EdgeEnv>, caller: Caller, clientId: string) {
	const log = c.get("log");
	if (caller.kind === "checkout") {
		const order = orderByCheckoutId(c.env, caller.checkout.checkout_id);
		return {
			async get(): Promise<FlexitiToken> {
				const result = await order?.customerToken();
				if (!result || "unavailable" in result) throw new TokenUnavailable(null);
				log.token_source ??= "checkout";
				return result.token;
			},
			drop: async (token: FlexitiToken) => order?.dropCustomerToken(token.accessToken),
		};
	}
	const config = edgeConfig(c.env);
	const deps = {
		kv: c.env.TOKENS,
		encryptionKey: config.tokenEncryptionKey,
		mint: flexitiTokenEndpoint(config, withRetries(upstreamSend(c.env, config))),
		now: Date.now,
		waitUntil: (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise),
	};
	return {
		async get(): Promise<FlexitiToken> {
			const { token, source } = await tokenCache.get(clientId, "merchant", deps);
			log.token_source ??= source;
			return token;
		},
		drop: (token: FlexitiToken) => tokenCache.invalidate(clientId, "merchant", token.accessToken, deps),
	};
}

interface Call {
	params: Record<string, string>;
	query: URLSearchParams;
	header: Record<string, string>;
	body: unknown;
}

async function callFlexiti(c: Context<EdgeEnv>, operationId: FlexitiOperationId, call: Call, token: FlexitiToken) {
	const config = edgeConfig(c.env);
	const entry = flexitiOperations[operationId];
	const flexiti = createFlexitiClient({
		baseUrl: config.flexitiBaseUrl,
		token: () => token.accessToken,
		fetch: withRetries(upstreamSend(c.env, config)),
	});
	// One generic call for every operation; the spec already vouched for params and body.
	const request = flexiti.request as (
		method: string,
		path: string,
		init: Record<string, unknown>,
	) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
	const { data, error, response } = await request(entry.method.toLowerCase(), entry.path, {
		params: { path: call.params, query: Object.fromEntries(call.query), header: call.header },
		...(call.body !== undefined ? { body: call.body } : {}),
	});
	return { response, body: response.ok ? data : error };
}

/** Flexiti's answer, as Flexiti gave it; an outage after retries becomes a clear 502/503/504 of the edge. */
function answer(c: Context<EdgeEnv>, response: Response, body: unknown, referenceId: string): Response {
	const status = response.status;
	if (status === 500 || status === 502 || status === 503 || status === 504) {
		const code = status === 504 ? "upstream_timeout" : status === 503 ? "upstream_unavailable" : "upstream_error";
		return withReference(edgeError(c, status === 500 ? 502 : status, code, `Flexiti answered ${status}`), referenceId);
	}
	const headers: Record<string, string> = { "x-reference-id": referenceId };
	const retryAfter = response.headers.get("retry-after");
	if (retryAfter) headers["retry-after"] = retryAfter;
	if (body === undefined || typeof body === "string") {
		return new Response(body ?? null, { status, headers: { ...headers, "content-type": "text/plain" } });
	}
	return Response.json(body, { status, headers });
}

function withReference(response: Response, referenceId: string): Response {
	response.headers.set("x-reference-id", referenceId);
	return response;
}

/** A checkout keeps its flow's facts: the widget session it opened, the authorization it got. */
async function rememberForCheckout(
	c: Context<EdgeEnv>,
	caller: Extract<Caller, { kind: "checkout" }>,
	operationId: FlexitiOperationId,
	body: unknown,
) {
	const order = orderByCheckoutId(c.env, caller.checkout.checkout_id);
	if (!order) return;
	if (operationId === "initWidget") {
		const url = (body as { redirection_url?: string }).redirection_url ?? "";
		const session = /[?&]widget_session_id=([^&]+)/.exec(url)?.[1];
		if (session) await order.recordWidgetSession(decodeURIComponent(session));
	}
	if (operationId === "createAuthorization") {
		const authorization = body as { authorization_id: number; status: string };
		await order.recordAuthorization(authorization.authorization_id, authorization.status);
	}
}

/**
 * A shopper's calls all carry their checkout's flow id (Flexiti traces a flow by it, and a browser
 * cannot know it); a merchant's keep their own GUID, or get a new one per request.
 */
async function chooseReferenceId(c: Context<EdgeEnv>, caller: Caller): Promise<string> {
	if (caller.kind === "checkout") {
		const flow = await orderByCheckoutId(c.env, caller.checkout.checkout_id)?.flowReferenceId();
		if (flow) return flow;
	}
	const given = c.req.header("x-reference-id");
	return given && GUID.test(given) ? given : crypto.randomUUID();
}
