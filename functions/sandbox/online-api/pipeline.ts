/**
 * The pipeline every Online API operation goes through in the sandbox, driven by the generated
 * Online API table, in the same steps as the POS pipeline (../pipeline.ts): injected faults, a live
 * merchant-scope token of this client, validation against the spec, then the handler.
 */
import type { Context } from "hono";
import { onlineOperations } from "../../../generated/online-operations.ts";
import { onlineRequestSchemas } from "../../../generated/online-request-schemas.ts";
import type { FieldError } from "../../contract/errors.ts";
import { readJsonBody } from "../../contract/read-json-body.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { faultError, takeFault } from "../faults.ts";
import type { SandboxEnv } from "../host.ts";
import { messageFor } from "../messages.ts";
import { recordCall } from "../record.ts";
import { authenticateBearer } from "../tokens.ts";
import type { Token } from "../world.ts";
import { onlineError } from "./errors.ts";
import type { OnlineCall, OnlineHandledId, OnlineHandler } from "./operation.ts";

export function serveOnlineOperation<Op extends OnlineHandledId>(operationId: Op, handler: OnlineHandler<Op>) {
	const scopes: readonly string[] = onlineOperations[operationId].scopes;
	const schema = onlineRequestSchemas[operationId];

	return async (c: Context<SandboxEnv>): Promise<Response> => {
		const host = c.env;
		const { world } = host;
		const url = new URL(c.req.url);
		const lang = (url.searchParams.get("lang") ?? "").toLowerCase().startsWith("fr") ? "fr" : "en";
		const referenceId = c.req.header("x-reference-id") ?? null;
		const clientId = c.req.param("clientId") ?? "";
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
					idempotency_key: null,
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
		) => respond(status, onlineError(status, error, message ?? messageFor(error, lang), fieldErrors), headers);

		// 1. Faults injected through /sandbox/faults (by the Online API operation id).
		const fault = takeFault(world, operationId);
		if (fault?.kind === "status") {
			const retryAfter = fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : undefined;
			return fail(fault.status, fault.error ?? faultError(fault.status), undefined, undefined, retryAfter);
		}
		if (fault?.kind === "slow") await scheduler.wait(fault.delay_ms ?? 1000);

		// 2. A live token of this client with the merchant scope (the only one the Online API documents).
		const now = host.now();
		const authenticated = authenticateBearer(world, c.req.header("authorization"), now);
		if (!authenticated.ok || authenticated.token.client_id !== clientId) return fail(401, "invalid_token");
		token = authenticated.token;
		if (!scopes.includes(token.scope)) return fail(403, "insufficient_scope");

		// 3. The request must satisfy the spec.
		const parsed = await readJsonBody(c.req.raw, schema.body !== undefined);
		if (!parsed.ok) return fail(409, "wrong_inputs", undefined, [parsed.fieldError]);
		const validation = validateRequest(schema, {
			path: c.req.param() as Record<string, string>,
			query: url.searchParams,
			headers: c.req.raw.headers,
			body: parsed.body,
		});
		if (!validation.ok) return fail(409, "wrong_inputs", undefined, validation.fieldErrors);

		// 4. The operation itself.
		const result = handler({
			world,
			now,
			clientId,
			token,
			path: c.req.param(),
			query: validation.value.query,
			body: validation.value.body,
			lang,
			origin: url.origin,
		} as OnlineCall<Op>);
		if (result.refused) return fail(result.status, result.error, result.message, result.fieldErrors, result.headers);
		// A "lost response": the operation happened, but the caller only sees a 503.
		if (fault?.kind === "drop") return fail(503, "service_unavailable");
		return respond(200, result.body);
	};
}
