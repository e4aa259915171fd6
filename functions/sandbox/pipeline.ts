/**
 * The one pipeline every Flexiti operation goes through in the sandbox, POS API and Online API alike,
 * driven by the generated operation tables: injected faults, bearer token and scope, request validation
 * against the spec, idempotent replay (where Flexiti honours a key), then the operation's handler.
 * Handlers only ever see valid, authorized calls. What sets the two APIs apart (the client id's path
 * parameter, how `lang` is read, the error body) is a `SandboxApi`; `serveOperation` is the POS API's,
 * online-api/pipeline.ts the Online API's.
 */
import type { Context } from "hono";
import { type FlexitiOperationId, flexitiOperations } from "../../generated/flexiti-operations.ts";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";
import { errorEnvelope, type FieldError } from "../contract/errors.ts";
import type { RequestSchema } from "../contract/operation-types.ts";
import { readJsonBody } from "../contract/read-json-body.ts";
import { validateRequest } from "../contract/validate-request.ts";
import { DEFAULT_STALL_MS, faultError, stalledBody, takeFault } from "./faults.ts";
import type { SandboxEnv } from "./host.ts";
import { messageFor } from "./messages.ts";
import type { OperationHandler, PathParams, Refusal, RequestBody } from "./operation.ts";
import { recordCall } from "./record.ts";
import { authenticateBearer } from "./tokens.ts";
import type { Fault, Token, World } from "./world.ts";

/** What sets one of Flexiti's APIs apart, as far as the pipeline goes. */
export interface SandboxApi {
	/** The path parameter that names the client (`client_id` in the POS API, `clientId` in the Online API). */
	clientIdParam: string;
	/** The caller's language, from the query. */
	lang(query: URLSearchParams): "en" | "fr";
	/** The API's error body. */
	errorBody(url: URL, status: number, error: string, message: string, fieldErrors?: FieldError[]): unknown;
}

/** An operation as its API's generated tables describe it. */
export interface PipelineOperation {
	operationId: string;
	scopes: readonly string[];
	/** Flexiti honours `x-idempotency-key` here: a repeat gets the first success again. */
	idempotencyKey: boolean;
	schema: RequestSchema;
}

/** The call as validated and authorized, before its API types it for the handler. */
export interface PipelineCall {
	world: World;
	/** The sandbox clock (ms), which tests can move forward. */
	now: number;
	clientId: string;
	token: Token;
	path: Record<string, string>;
	query: Record<string, unknown>;
	body: unknown;
	headers: Headers;
	lang: "en" | "fr";
	/** The sandbox's own origin, for URLs it hands out (the widget, the hosted page). */
	origin: string;
}

export type PipelineResult = { refused?: false; body: unknown } | Refusal;

export function servePipeline(
	api: SandboxApi,
	operation: PipelineOperation,
	handle: (call: PipelineCall) => PipelineResult,
) {
	const { operationId, scopes, schema } = operation;
	return async (c: Context<SandboxEnv>): Promise<Response> => {
		const host = c.env;
		const { world } = host;
		const url = new URL(c.req.url);
		const lang = api.lang(url.searchParams);
		const referenceId = c.req.header("x-reference-id") ?? null;
		const idempotencyKey = operation.idempotencyKey ? (c.req.header("x-idempotency-key") ?? null) : null;
		const clientId = c.req.param(api.clientIdParam) ?? "";
		let token: Token | null = null;
		// Taken first thing below; a `stall` holds the body of whatever answer the call then gets.
		let fault: Fault | undefined;

		const respond = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
			recordCall(
				world,
				{
					operation: operationId,
					client_id: clientId,
					scope: token?.scope ?? null,
					status,
					reference_id: referenceId,
					idempotency_key: idempotencyKey,
				},
				host.now(),
			);
			await host.save();
			// An `echo` fault: the caller's bearer token in the answer's body, as a debugging field might put it.
			const bearer = c.req.header("authorization")?.replace(/^Bearer\s+/i, "");
			const answered =
				fault?.kind === "echo" && body !== null && typeof body === "object" ? { ...body, debug_token: bearer } : body;
			const answer = Response.json(answered, {
				status,
				headers: { ...headers, ...(referenceId ? { "x-reference-id": referenceId } : {}) },
			});
			return fault?.kind === "stall" ? stalledBody(answer, fault.delay_ms ?? DEFAULT_STALL_MS) : answer;
		};
		const fail = (
			status: number,
			error: string,
			message?: string,
			fieldErrors?: FieldError[],
			headers?: Record<string, string>,
		) => respond(status, api.errorBody(url, status, error, message ?? messageFor(error, lang), fieldErrors), headers);

		// 1. Faults injected through /sandbox/faults, as a real upstream would have them.
		fault = takeFault(host, operationId);
		if (fault?.kind === "status") {
			const retryAfter = fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : undefined;
			return fail(fault.status, fault.error ?? faultError(fault.status), undefined, undefined, retryAfter);
		}
		if (fault?.kind === "slow") await scheduler.wait(fault.delay_ms ?? 1000);

		// 2. Who is calling: a live token of this client, with a scope the operation accepts.
		const now = host.now();
		const authenticated = authenticateBearer(world, c.req.header("authorization"), now);
		if (!authenticated.ok || authenticated.token.client_id !== clientId) return fail(401, "invalid_token");
		token = authenticated.token;
		if (!scopes.includes(token.scope)) return fail(403, "insufficient_scope");

		// 3. The request must satisfy the spec: parameters, headers, body.
		// Like Flexiti as far as the public record shows, the sandbox does not judge a body it takes none of.
		const parsed = await readJsonBody(c.req.raw, schema.body ? "expected" : "ignored");
		if (!parsed.ok) return fail(409, "wrong_inputs", undefined, [parsed.fieldError]);
		const path = c.req.param();
		const validation = validateRequest(schema, {
			path,
			query: url.searchParams,
			headers: c.req.raw.headers,
			body: parsed.body,
		});
		if (!validation.ok) return fail(409, "wrong_inputs", undefined, validation.fieldErrors);

		// 4. The same idempotency key gets the first successful response again, and nothing is redone.
		const contextHash = c.req.header("x-context-hash") ?? null;
		const replayKey = idempotencyKey ? `${clientId} ${operationId} ${idempotencyKey}` : null;
		const previous = replayKey ? world.idempotency[replayKey] : undefined;
		if (previous) {
			if (previous.contextHash && contextHash && previous.contextHash !== contextHash) {
				return fail(409, "general_error", "x-context-hash differs from the first request with this x-idempotency-key");
			}
			return respond(previous.status, previous.body, { "x-idempotent-replay": "true" });
		}

		// 5. The operation itself.
		const result = handle({
			world,
			now,
			clientId,
			token,
			path,
			query: validation.value.query,
			body: validation.value.body,
			headers: c.req.raw.headers,
			lang,
			origin: url.origin,
		});
		if (result.refused) return fail(result.status, result.error, result.message, result.fieldErrors, result.headers);
		if (replayKey) world.idempotency[replayKey] = { status: 200, body: result.body, contextHash };
		// A "lost response": the operation happened, but the caller only sees a 503.
		if (fault?.kind === "drop") return fail(503, "service_unavailable");
		return respond(200, result.body);
	};
}

/** Flexiti's POS API: `client_id` in the path, `lang=fr` or English, Flexiti's error envelope. */
const posApi: SandboxApi = {
	clientIdParam: "client_id",
	lang: (query) => (query.get("lang") === "fr" ? "fr" : "en"),
	errorBody: (url, _status, error, message, fieldErrors) => errorEnvelope(url.pathname, error, message, fieldErrors),
};

export function serveOperation<Op extends FlexitiOperationId>(operationId: Op, handler: OperationHandler<Op>) {
	const entry = flexitiOperations[operationId];
	return servePipeline(
		posApi,
		{
			operationId,
			scopes: entry.scopes,
			idempotencyKey: entry.idempotencyKey,
			schema: flexitiRequestSchemas[operationId],
		},
		// Validated against this operation's schema, generated from the same spec as these types.
		(call) => handler({ ...call, path: call.path as PathParams<Op>, body: call.body as RequestBody<Op> }),
	);
}
