/**
 * Calling Flexiti's Online API (a separate API on its own host: hosted checkout, notifications, the
 * payment calculator) with the client's Online API merchant token, brokered like the POS API's
 * tokens (scope `online`), through the same upstream policy (timeouts; retries only where safe).
 */
import { createFlexitiOnlineClient, type FlexitiOnlineClient } from "../../client/flexiti-online.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { brokeredTokens, type TokenSource } from "./gateway.ts";
import type { TokenCache } from "./token-cache.ts";
import { upstreamSend, withRetries } from "./upstream.ts";

/** One typed Online API client per env, as for the POS API; the token goes on each call. */
const clients = new WeakMap<object, FlexitiOnlineClient>();

export function onlineClient(env: EdgeBindings): FlexitiOnlineClient {
	let client = clients.get(env);
	if (!client) {
		const config = edgeConfig(env);
		client = createFlexitiOnlineClient({
			baseUrl: config.flexitiOnlineBaseUrl,
			fetch: withRetries(upstreamSend(env, config)),
		});
		clients.set(env, client);
	}
	return client;
}

/** A client's Online API merchant token: memory, KV, or its broker (never minted by an isolate). */
export function onlineTokens(
	env: EdgeBindings,
	clientId: string,
	waitUntil: (promise: Promise<unknown>) => void,
	/** A Durable Object's own cache (see orders/order-state.ts `OrderRuntime.tokens`); the isolate's by default. */
	cache?: TokenCache,
): TokenSource {
	return brokeredTokens(env, clientId, "online", waitUntil, undefined, cache);
}

/**
 * Runs one Online API call with the client's token; a token Flexiti rejects (401) is dropped and the
 * call made once more with a fresh one. The caller's `run` gets the bearer header to send.
 */
export async function withOnlineToken<Result extends { response: Response }>(
	tokens: TokenSource,
	run: (authorization: string) => Promise<Result>,
): Promise<Result> {
	let token = await tokens.get();
	const first = await run(`Bearer ${token.accessToken}`);
	if (first.response.status !== 401) return first;
	await tokens.drop(token);
	token = await tokens.get();
	return run(`Bearer ${token.accessToken}`);
}
