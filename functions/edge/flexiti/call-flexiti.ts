/**
 * Calling one Flexiti operation through the typed client, with the token of the right scope — the
 * one way both the forwarder (for callers) and an order's ledger (for webhooks) reach Flexiti.
 */
import { type FlexitiOperationId, flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { createFlexitiClient } from "../../client/flexiti.ts";
import { parseJson } from "../../contract/lossless-json.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import type { FlexitiToken, Scope } from "./flexiti-token.ts";
import { tokenBrokerStub } from "./token-broker-object.ts";
import { type TokenSource as CacheSource, type TokenCache, tokenCache } from "./token-cache.ts";
import { upstreamSend, withRetries } from "./upstream.ts";

/** Where a call's token comes from, and how to drop one Flexiti rejected. */
export interface TokenSource {
	get(): Promise<FlexitiToken>;
	drop(token: FlexitiToken): Promise<void>;
}

export interface FlexitiCall {
	/** Path parameters by the spec's names. */
	params: Record<string, string>;
	query?: Record<string, string>;
	/** x-reference-id, x-idempotency-key, x-context-hash. */
	header: Record<string, string>;
	body?: unknown;
}

export interface FlexitiResult {
	response: Response;
	/** The success body as Flexiti sent it (JSON text): forwarded as it is, parsed only by whoever needs it. */
	text?: string;
	/** Flexiti's error envelope, parsed (or its text, when it was not JSON: a firewall page). */
	error?: unknown;
	/** Flexiti rejected the first token (401) and the call was made once more with a fresh one. */
	retriedWithFreshToken: boolean;
}

/** The body of a result as JSON: the data on success, Flexiti's error envelope otherwise. */
export function resultBody(result: FlexitiResult): unknown {
	if (!result.response.ok) return result.error;
	// Flexiti's ids can pass 2^53: read without rounding (see lossless-json.ts).
	return result.text ? parseJson(result.text) : undefined;
}

/**
 * Calls the operation (retrying where safe, see upstream.ts). A token Flexiti no longer accepts is
 * dropped, one fresh token is fetched, and the call is made once more — no loops. Throws
 * `UpstreamError` when Flexiti cannot be reached, and the token source's error when no token can be had.
 */
export async function callFlexiti(
	env: EdgeBindings,
	operationId: FlexitiOperationId,
	call: FlexitiCall,
	tokens: TokenSource,
): Promise<FlexitiResult> {
	let token = await tokens.get();
	const first = await send(env, operationId, call, token);
	if (first.response.status !== 401) return { ...first, retriedWithFreshToken: false };
	await tokens.drop(token);
	token = await tokens.get();
	return { ...(await send(env, operationId, call, token)), retriedWithFreshToken: true };
}

type GenericRequest = (
	method: string,
	path: string,
	init: Record<string, unknown>,
) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

/** One typed client per env (its settings do not change), not one per call; the token goes on each call. */
const clients = new WeakMap<object, GenericRequest>();

function flexitiRequest(env: EdgeBindings): GenericRequest {
	let request = clients.get(env);
	if (!request) {
		const config = edgeConfig(env);
		const flexiti = createFlexitiClient({
			baseUrl: config.flexitiBaseUrl,
			fetch: withRetries(upstreamSend(env, config)),
		});
		// One generic call for every operation of the table; the spec already vouched for params and body.
		request = (flexiti.request as GenericRequest).bind(flexiti);
		clients.set(env, request);
	}
	return request;
}

async function send(env: EdgeBindings, operationId: FlexitiOperationId, call: FlexitiCall, token: FlexitiToken) {
	const entry = flexitiOperations[operationId];
	const { data, error, response } = await flexitiRequest(env)(entry.method.toLowerCase(), entry.path, {
		params: {
			path: call.params,
			query: call.query ?? {},
			header: { ...call.header, authorization: `Bearer ${token.accessToken}` },
		},
		...(call.body !== undefined ? { body: call.body } : {}),
		parseAs: "text",
	});
	return response.ok ? { response, text: (data as string | undefined) ?? "" } : { response, error };
}

/** The merchant-scope token of a client: the isolate's memory, KV, or the client's token broker. */
export function merchantTokens(
	env: EdgeBindings,
	clientId: string,
	waitUntil: (promise: Promise<unknown>) => void,
	onSource: (source: CacheSource) => void = () => {},
	/** This isolate's cache; tests pass one per simulated isolate. */
	cache: TokenCache = tokenCache,
): TokenSource {
	return brokeredTokens(env, clientId, "merchant", waitUntil, onSource, cache);
}

/** A client's token of one kind (a POS scope, or the Online API's merchant token), brokered the same way. */
export function brokeredTokens(
	env: EdgeBindings,
	clientId: string,
	scope: Scope,
	waitUntil: (promise: Promise<unknown>) => void,
	onSource: (source: CacheSource) => void = () => {},
	cache: TokenCache = tokenCache,
): TokenSource {
	const config = edgeConfig(env);
	// The broker's stub only when memory and KV had no token: most requests never need it.
	const broker = () => tokenBrokerStub(env, clientId, scope);
	const deps = {
		kv: env.TOKENS,
		encryptionKey: config.tokenEncryptionKey,
		broker: {
			token: () => broker().token(clientId, scope),
			replace: (rejected: string) => broker().replace(clientId, scope, rejected),
		},
		now: Date.now,
		waitUntil,
	};
	return {
		async get() {
			const { token, source } = await cache.get(clientId, scope, deps);
			onSource(source);
			return token;
		},
		drop: (token) => cache.invalidate(clientId, scope, token.accessToken, deps),
	};
}
