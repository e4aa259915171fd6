/**
 * The one pipeline every Flexiti operation goes through in the sandbox, driven by the generated
 * operation table: injected faults, bearer token and scope, request validation against the spec,
 * idempotent replay, then the operation's handler. Handlers only ever see valid, authorized calls.
 */
import type { Context } from "hono";
import { type FlexitiOperationId, flexitiOperations } from "../../generated/flexiti-operations.ts";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";
import { errorEnvelope, type FieldError } from "../contract/errors.ts";
import { readJsonBody } from "../contract/read-json-body.ts";
import { validateRequest } from "../contract/validate-request.ts";
import { faultError, takeFault } from "./faults.ts";
import type { SandboxEnv } from "./host.ts";
import { messageFor } from "./messages.ts";
import type { OperationHandler, PathParams, RequestBody } from "./operation.ts";
import { recordCall } from "./record.ts";
import { authenticateBearer } from "./tokens.ts";
import type { Token } from "./world.ts";

export function serveOperation<Op extends FlexitiOperationId>(operationId: Op, handler: OperationHandler<Op>) {
	const entry = flexitiOperations[operationId];
	const scopes: readonly string[] = entry.scopes;

	return async (c: Context<SandboxEnv>): Promise<Response> => {
		const host = c.env;
		const { world } = host;
		const url = new URL(c.req.url);
		const lang = url.searchParams.get("lang") === "fr" ? "fr" : "en";
		const referenceId = c.req.header("x-reference-id") ?? null;
		const idempotencyKey = entry.idempotencyKey ? (c.req.header("x-idempotency-key") ?? null) : null;
		const clientId = c.req.param("client_id") ?? "";
		let token: Token | null = null;

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
			return Response.json(body, {
				status,
				headers: { ...headers, ...(referenceId ? { "x-reference-id": referenceId } : {}) },
			});
		};
		const fail = (
			status: number,
			error: string,
			message?: string,
			fieldErrors?: FieldError[],
			headers?: Record<string, string>,
		) => respond(status, errorEnvelope(url.pathname, error, message ?? messageFor(error, lang), fieldErrors), headers);

		// 1. Faults injected through /sandbox/faults, as a real upstream would have them.
		const fault = takeFault(world, operationId);
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
		const parsed = await readJsonBody(c.req.raw, flexitiRequestSchemas[operationId].body !== undefined);
		if (!parsed.ok) return fail(409, "wrong_inputs", undefined, [parsed.fieldError]);
		const validation = validateRequest(flexitiRequestSchemas[operationId], {
			path: c.req.param() as Record<string, string>,
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
		const result = handler({
			world,
			now,
			clientId,
			token,
			path: c.req.param() as PathParams<Op>,
			query: validation.value.query,
			body: validation.value.body as RequestBody<Op>,
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
