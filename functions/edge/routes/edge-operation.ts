/**
 * An edge route, typed from spec/edge-api.yaml from the request to the answer, as the sandbox's
 * operation handlers are from Flexiti's spec (and in the manner of `hono/validator`):
 * `edgeOperation("createCheckout", handler)` checks the request against that operation — path, query,
 * headers, and the JSON body read by the edge's one reader (`readJsonBody`), body properties the spec
 * does not declare refused — before the handler runs (409 `wrong_inputs`, naming each field), then hands
 * the handler the request as validated, typed from generated/edge-api.ts. The handler answers with
 * `answer(status, body)`, which takes only the operation's own success statuses and bodies: an answer
 * the spec does not describe does not compile. An answer is plain data (status, body, headers), made
 * into the HTTP response here, so a handler cannot hand back a `Response` of its own making.
 * Refusals are `EdgeError`s (core/errors.ts).
 */
import type { Context, Handler } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import type { components, operations } from "../../../generated/edge-api.ts";
import type { EdgeOperationId } from "../../../generated/edge-operations.ts";
import { edgeRequestSchemas } from "../../../generated/edge-request-schemas.ts";
import type { FieldError } from "../../contract/errors.ts";
import { readJsonBody } from "../../contract/read-json-body.ts";
import { type RequestParts, validateRequest } from "../../contract/validate-request.ts";
import type { EdgeEnv } from "../core/context.ts";
import { wrongInputs } from "../core/errors.ts";

type Parameters<Op extends EdgeOperationId> = operations[Op]["parameters"];
type Defined<T> = [NonNullable<T>] extends [never] ? Record<string, never> : NonNullable<T>;

/** The operation's path parameters, by the spec's names. */
export type PathOf<Op extends EdgeOperationId> = Defined<Parameters<Op>["path"]>;
/** Its query parameters, coerced to the spec's types (a number is a number). */
export type QueryOf<Op extends EdgeOperationId> = Defined<Parameters<Op>["query"]>;
/** Its JSON request body, or `undefined` for an operation that takes none. */
export type BodyOf<Op extends EdgeOperationId> = operations[Op] extends {
	requestBody: { content: { "application/json": infer Body } };
}
	? Body
	: undefined;

/** What the handler gets: the request as validated. */
export interface EdgeRequest<Op extends EdgeOperationId> {
	path: PathOf<Op>;
	query: QueryOf<Op>;
	body: BodyOf<Op>;
}

type Responses<Op extends EdgeOperationId> = operations[Op]["responses"];
type ErrorEnvelope = components["schemas"]["ErrorEnvelope"];
/**
 * The body the spec gives a status, but the error envelope (refusals are EdgeErrors): its JSON, `null`
 * where it has none (204), `never` where all it has is the envelope.
 */
export type AnswerBody<Op extends EdgeOperationId, Status extends keyof Responses<Op>> = Responses<Op>[Status] extends {
	content: { "application/json": infer Body };
}
	? Exclude<Body, ErrorEnvelope>
	: null;
/**
 * The statuses a handler may answer with: those the spec gives a body other than the error envelope
 * (an HTTP status, as Hono's `StatusCode` lists them).
 */
export type AnswerStatus<Op extends EdgeOperationId> = {
	[Status in keyof Responses<Op>]: [AnswerBody<Op, Status>] extends [never] ? never : Status;
}[keyof Responses<Op>] &
	StatusCode;

/**
 * An answer made by `answer`, and so one the spec describes for this operation: one of its statuses with
 * that status's body (`answer` takes no other). A class with a private member is nominal: a handler can
 * return only what `answer` made for its own operation, never an object or a `Response` of its own.
 */
class EdgeAnswer<Op extends EdgeOperationId> {
	declare private readonly operation: Op;
	constructor(
		readonly status: StatusCode,
		readonly body: unknown,
		readonly headers: Record<string, string> | undefined,
	) {}
}

export type { EdgeAnswer };

export type Answer<Op extends EdgeOperationId> = <Status extends AnswerStatus<Op>>(
	status: Status,
	body: AnswerBody<Op, Status>,
	headers?: Record<string, string>,
) => EdgeAnswer<Op>;

export type EdgeOperationHandler<Op extends EdgeOperationId> = (
	c: Context<EdgeEnv>,
	request: EdgeRequest<Op>,
	answer: Answer<Op>,
) => Promise<EdgeAnswer<Op>> | EdgeAnswer<Op>;

export interface EdgeOperationOptions {
	/**
	 * Leave path parameters to the handler: where the spec says a malformed one is "no such thing"
	 * (a checkout id of another spelling is 404, answered by the lookup), not a wrong input.
	 */
	uncheckedPath?: boolean;
	/**
	 * Refuse body properties and query parameters the spec does not declare (the default: nothing
	 * undeclared is taken). Not for a page another system sends a browser to (Flexiti's return redirect)
	 * or a probe's (`/healthz`), whose query is theirs to add to; neither takes a body.
	 */
	closed?: boolean;
}

export function edgeOperation<Op extends EdgeOperationId>(
	operationId: Op,
	handler: EdgeOperationHandler<Op>,
	options: EdgeOperationOptions = {},
): Handler<EdgeEnv> {
	return async (c) => {
		c.get("log").operation = operationId;
		// A body where the operation takes none is refused (closed, the default), never silently dropped.
		const bodyRule = edgeRequestSchemas[operationId].body
			? "expected"
			: options.closed === false
				? "ignored"
				: "refused";
		const parsed = await readJsonBody(c.req.raw, bodyRule);
		if (!parsed.ok) throw wrongInputs([parsed.fieldError]);
		const parts = { path: c.req.param(), query: new URL(c.req.url).searchParams, headers: c.req.raw.headers };
		const checked = checkEdgeRequest(operationId, { ...parts, body: parsed.body }, options);
		if (!checked.ok) throw wrongInputs(checked.fieldErrors);
		const answer: Answer<Op> = (status, body, headers) => new EdgeAnswer<Op>(status, body, headers);
		const { status, body, headers } = await handler(c, checked.request, answer);
		// newResponse, not `new Response`: the headers set with `c.header` (by the handler or a middleware) stay.
		if (body === null) return c.newResponse(null, status, headers);
		return c.newResponse(JSON.stringify(body), status, { "content-type": "application/json", ...headers });
	};
}

/**
 * A request (its body already read) against an edge operation of the spec: the request typed as the
 * spec says, or one field error per broken field. For routes that read their body themselves (a
 * signed webhook's raw bytes) and refuse in their own terms.
 */
export function checkEdgeRequest<Op extends EdgeOperationId>(
	operationId: Op,
	parts: RequestParts,
	options: EdgeOperationOptions = {},
): { ok: true; request: EdgeRequest<Op> } | { ok: false; fieldErrors: FieldError[] } {
	const schema = edgeRequestSchemas[operationId];
	const checked = options.uncheckedPath
		? { ...schema, parameters: schema.parameters.filter((parameter) => parameter.in !== "path") }
		: schema;
	const validation = validateRequest(checked, parts, { closed: options.closed ?? true });
	if (!validation.ok) return validation;
	// The one place where a request becomes its spec type, and the one assertion of the edge's routes:
	// it was validated against this operation's schemas, and TypeScript cannot relate a JSON Schema
	// value to a type — both are generated from spec/edge-api.yaml by `npm run generate` (drift-checked).
	const request = { path: parts.path, query: validation.value.query, body: parts.body } as EdgeRequest<Op>;
	return { ok: true, request };
}
