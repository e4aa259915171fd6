/**
 * The Online API's operations through the sandbox's one pipeline (../pipeline.ts), driven by the
 * generated Online API table: a live merchant-scope token of this client (the only scope the Online API
 * documents), validation against the spec, then the handler; errors in the Online API's own body.
 */
import { onlineOperations } from "../../../generated/online-operations.ts";
import { onlineRequestSchemas } from "../../../generated/online-request-schemas.ts";
import { type SandboxApi, servePipeline } from "../pipeline.ts";
import { onlineError } from "./errors.ts";
import type { OnlineHandledId, OnlineHandler, OnlinePathParams, OnlineQuery, OnlineRequestBody } from "./operation.ts";

/** `clientId` in the path, a `lang` that starts with "fr" (fr, fr-CA) is French, the Online API's error body. */
const onlineApi: SandboxApi = {
	clientIdParam: "clientId",
	lang: (query) => ((query.get("lang") ?? "").toLowerCase().startsWith("fr") ? "fr" : "en"),
	errorBody: (_url, status, error, message, fieldErrors) => onlineError(status, error, message, fieldErrors),
};

export function serveOnlineOperation<Op extends OnlineHandledId>(operationId: Op, handler: OnlineHandler<Op>) {
	const entry = onlineOperations[operationId];
	return servePipeline(
		onlineApi,
		{
			operationId,
			scopes: entry.scopes,
			idempotencyKey: entry.idempotencyKey,
			schema: onlineRequestSchemas[operationId],
		},
		// Validated against this operation's schema, generated from the same spec as these types.
		(call) =>
			handler({
				...call,
				path: call.path as OnlinePathParams<Op>,
				query: call.query as OnlineQuery<Op>,
				body: call.body as OnlineRequestBody<Op>,
			}),
	);
}
