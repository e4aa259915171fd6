/**
 * The edge's one gateway to the Flexiti POS API, created once per environment (its settings do not
 * change): the typed openapi-fetch client, the calls of the table as prepared requests
 * (operation-request.ts), and the one place that decides
 *  - retries: every call goes through `exchangeWithRetries(upstreamExchange(…))` (upstream.ts): a timeout per
 *    attempt, and repeats only where a repeat cannot do the thing twice (GETs, and POSTs with an
 *    `x-idempotency-key`);
 *  - idempotency: an operation whose spec declares `x-idempotency-key` always carries one (the
 *    caller's, or a new one), so the edge's own retries are safe (`withIdempotencyKey`);
 *  - tokens: a token Flexiti rejects (401) is dropped and the call made once more with a fresh one;
 *  - what each answer means (`classify`): a success, Flexiti's final word on the request (a business
 *    refusal, or the caller's error), or an outage — and what the edge answers for an outage.
 * The forwarder (routes/forward-operation.ts) and every order module reach Flexiti only through it.
 */
import { type FlexitiOperationId, flexitiOperations } from "../../../generated/flexiti-operations.ts";
import type { operations } from "../../../generated/flexiti-pos-api.ts";
import { createFlexitiClient, type FlexitiClient } from "../../client/flexiti.ts";
import { isJsonObject } from "../../contract/json-object.ts";
import { parseJson } from "../../contract/lossless-json.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import type { FlexitiToken, Scope } from "./flexiti-token.ts";
import { type FlexitiCall, operationRequest, readAnswer } from "./operation-request.ts";
import { tokenBrokerStub } from "./token-broker-object.ts";
import { type TokenSource as CacheSource, type TokenCache, tokenCache } from "./token-cache.ts";
import { asSend, type Exchange, exchangeWithRetries, type UpstreamFailure, upstreamExchange } from "./upstream.ts";

/** Where a call's token comes from, and how to drop one Flexiti rejected. */
export interface TokenSource {
	get(): Promise<FlexitiToken>;
	drop(token: FlexitiToken): Promise<void>;
}

export type { FlexitiCall };

export interface FlexitiResult<Op extends FlexitiOperationId = FlexitiOperationId> {
	/** The operation Flexiti answered: what the success body's type is (`successBody`). */
	operationId: Op;
	response: Response;
	/** The success body as Flexiti sent it (JSON text): forwarded as it is, parsed only by whoever needs it. */
	text?: string;
	/** Flexiti's error envelope, parsed (or its text, when it was not JSON: a firewall page). */
	error?: unknown;
	/** Flexiti rejected the first token (401) and the call was made once more with a fresh one. */
	retriedWithFreshToken: boolean;
}

/** A result Flexiti answered with a 2xx and its body. */
export type FlexitiSuccess<Op extends FlexitiOperationId = FlexitiOperationId> = FlexitiResult<Op> & { text: string };

/**
 * The JSON body of an operation's 2xx answer, as the spec types it (generated/flexiti-pos-api.ts;
 * every operation's success is JSON). The body is read with `parseJson`, which gives any integer past
 * 2^53 as a `bigint`, and the generated types say `number | bigint` for every id whose range passes
 * 2^53 (scripts/generate.ts). Other integers (counts, terms, capture ids) are typed `number`: one past
 * 2^53 would break the spec, as a string there would. The gateway does not validate Flexiti's answers
 * (the type is the spec's word, as openapi-fetch's `data` is); the edge tests check the sandbox's.
 */
export type FlexitiSuccessBody<Op extends FlexitiOperationId> = JsonBody<SuccessOf<operations[Op]["responses"]>>;
type SuccessOf<Responses> = Responses[Extract<keyof Responses, 200 | 201 | 202 | 203 | 206>];
type JsonBody<Answer> = Answer extends { content: { "application/json": infer Body } } ? Body : never;

/** Whether Flexiti answered the call with a 2xx (so `successBody` can read it). */
export function succeeded<Op extends FlexitiOperationId>(result: FlexitiResult<Op>): result is FlexitiSuccess<Op> {
	return result.response.ok && result.text !== undefined;
}

/** Whether this is the answer to that operation: its body then has that operation's type. */
export function isAnswerTo<Op extends FlexitiOperationId>(
	result: FlexitiSuccess,
	operationId: Op,
): result is FlexitiSuccess<Op> {
	return result.operationId === operationId;
}

/** A 2xx answer whose body is not JSON: Flexiti broke its contract, and nothing can be read from it. */
export class UnreadableAnswer extends Error {
	constructor(operationId: FlexitiOperationId) {
		// The body is not quoted: it may carry anything.
		super(`Flexiti's answer to ${operationId} is not JSON`);
		this.name = "UnreadableAnswer";
	}
}

/**
 * The success body of an answer, typed for its operation. Ids are read without rounding (see
 * lossless-json.ts). Throws `UnreadableAnswer` when the body is not JSON.
 */
export function successBody<Op extends FlexitiOperationId>(result: FlexitiSuccess<Op>): FlexitiSuccessBody<Op> {
	return parseAnswer(result.operationId, result.text);
}

/** A success body of this operation kept as text (an order keeps its authorization's answer), parsed and typed. */
export function parseAnswer<Op extends FlexitiOperationId>(operationId: Op, text: string): FlexitiSuccessBody<Op> {
	let body: unknown;
	try {
		body = parseJson(text);
	} catch {
		throw new UnreadableAnswer(operationId);
	}
	// The one place the edge takes the spec's word for what Flexiti answered (see FlexitiSuccessBody).
	return body as FlexitiSuccessBody<Op>;
}

export interface FlexitiGateway {
	/** The typed client, for calls whose operation is known where they are written. */
	readonly client: FlexitiClient;
	/**
	 * Calls an operation of the table (retrying where safe). Throws `UpstreamError` when Flexiti
	 * cannot be reached, and the token source's error when no token can be had.
	 */
	call<Op extends FlexitiOperationId>(
		operationId: Op,
		call: FlexitiCall,
		tokens: TokenSource,
	): Promise<FlexitiResult<Op>>;
}

/** One gateway per env (its settings do not change), not one per call; the token goes on each call. */
const gateways = new WeakMap<object, FlexitiGateway>();

export function flexitiGateway(env: EdgeBindings): FlexitiGateway {
	let gateway = gateways.get(env);
	if (!gateway) {
		const config = edgeConfig(env);
		// The calls of the table read Flexiti's answer once (its bytes, within the timeout); only the typed
		// client, which openapi-fetch reads from a `Response`, gets it as one again.
		const exchange = exchangeWithRetries(upstreamExchange(env, config));
		const baseUrl = config.flexitiBaseUrl.replace(/\/+$/, "");
		const client = createFlexitiClient({ baseUrl, fetch: asSend(exchange) });
		gateway = {
			client,
			async call(operationId, given, tokens) {
				// One key for every attempt, the one with a fresh token included.
				const call = { ...given, header: withIdempotencyKey(operationId, given.header) };
				let token = await tokens.get();
				const first = await send(exchange, baseUrl, operationId, call, token);
				if (first.response.status !== 401) return { operationId, ...first, retriedWithFreshToken: false };
				await tokens.drop(token);
				token = await tokens.get();
				return {
					operationId,
					...(await send(exchange, baseUrl, operationId, call, token)),
					retriedWithFreshToken: true,
				};
			},
		};
		gateways.set(env, gateway);
	}
	return gateway;
}

/** Calls one operation through `flexitiGateway(env)`. */
export function callFlexiti<Op extends FlexitiOperationId>(
	env: EdgeBindings,
	operationId: Op,
	call: FlexitiCall,
	tokens: TokenSource,
): Promise<FlexitiResult<Op>> {
	return flexitiGateway(env).call(operationId, call, tokens);
}

/**
 * The headers with an `x-idempotency-key` where the operation takes one: the one given, else a new
 * one. The same key goes on every attempt, so Flexiti does it once however often the edge retries.
 */
export function withIdempotencyKey(operationId: FlexitiOperationId, header: Record<string, string>) {
	if (!flexitiOperations[operationId].idempotencyKey || header["x-idempotency-key"]) return header;
	return { ...header, "x-idempotency-key": crypto.randomUUID() };
}

/** One attempt chain of a call (retries within it), with this token. */
async function send(
	exchange: Exchange,
	baseUrl: string,
	operationId: FlexitiOperationId,
	call: FlexitiCall,
	token: FlexitiToken,
) {
	return readAnswer(await exchange(operationRequest(baseUrl, operationId, call, token.accessToken)));
}

/**
 * What a Flexiti answer means:
 *  - `success`: 2xx;
 *  - `token_rejected`: 401 (after the gateway's one retry with a fresh token: try again later);
 *  - `caller_error`: the request itself was wrong (400, 403, 404, 405, 413, 415, 422, or a 409
 *    `wrong_inputs` / `invalid_role`): final, the same request fails again;
 *  - `business_refusal`: Flexiti said no (declined, `credit_exceeded`, `authorization_ended`, …): final;
 *  - `outage`: Flexiti did not decide (408, 429, 5xx): it may be asked again later.
 */
export type AnswerClass = "success" | "token_rejected" | "caller_error" | "business_refusal" | "outage";

const callerErrorStatuses = new Set([400, 403, 404, 405, 413, 415, 422]);
const callerErrorCodes = new Set(["wrong_inputs", "invalid_role"]);

export function classify(status: number, error?: unknown): AnswerClass {
	if (status >= 200 && status < 300) return "success";
	if (status === 401) return "token_rejected";
	if (status === 408 || status === 429 || status >= 500 || status < 200) return "outage";
	if (status >= 300 && status < 400) return "outage";
	const { code } = refusalOf(error);
	if (callerErrorStatuses.has(status) || (code !== undefined && callerErrorCodes.has(code))) {
		return "caller_error";
	}
	return "business_refusal";
}

/**
 * What Flexiti's error envelope says, as far as the edge reads it: its `error` code and its `message`,
 * each when it is a string (an envelope is not validated: a firewall's page is text, not an object).
 */
export function refusalOf(error: unknown): { code?: string; message?: string } {
	if (!isJsonObject(error)) return {};
	return {
		...(typeof error.error === "string" ? { code: error.error } : {}),
		...(typeof error.message === "string" ? { message: error.message } : {}),
	};
}

/** Flexiti's final word on this request (a business refusal or the caller's error): never sent again as it is. */
export function isFinalRefusal(status: number, error?: unknown): boolean {
	const kind = classify(status, error);
	return kind === "business_refusal" || kind === "caller_error";
}

/**
 * Whether Flexiti may have taken a request it answered this way: a gateway's 5xx or a timeout may
 * come after Flexiti did it, so such an answer does not say what happened.
 */
export function outcomeUnknown(status: number): boolean {
	return status >= 500 || status === 408;
}

/** The edge's error for an outage (its HTTP status is the code's, in spec/edge-api.yaml: 502, 503 or 504). */
export interface OutageAnswer {
	code: "upstream_error" | "upstream_unavailable" | "upstream_timeout" | "upstream_unreachable";
	message: string;
}

/**
 * What the edge answers when Flexiti, after the retries, answered 500/502/503/504 or could not be
 * reached at all (`UpstreamFailure`); undefined for an answer the caller gets as Flexiti gave it
 * (a 429 keeps Flexiti's `Retry-After`).
 */
export function outageAnswer(outcome: number | UpstreamFailure): OutageAnswer | undefined {
	switch (outcome) {
		case "upstream_timeout":
			return { code: "upstream_timeout", message: "Flexiti did not answer in time" };
		case "upstream_unreachable":
			return { code: "upstream_unreachable", message: "Flexiti could not be reached" };
		case 500:
		case 502:
			return { code: "upstream_error", message: `Flexiti answered ${outcome}` };
		case 503:
			return { code: "upstream_unavailable", message: "Flexiti answered 503" };
		case 504:
			return { code: "upstream_timeout", message: "Flexiti answered 504" };
		default:
			return undefined;
	}
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
