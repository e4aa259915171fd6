/**
 * The edge's one error type, thrown anywhere and rendered in one place (`renderEdgeError`, from the
 * app's `onError`), as Hono's `HTTPException` is. Its code is one of the `ErrorCode`s of
 * spec/edge-api.yaml and its status one the spec gives that code, both checked at compile time
 * (generated/edge-error-codes.ts), so an answer the spec does not list cannot be written.
 * The edge answers in Flexiti's envelope, so one error handler in a caller serves both.
 */
import type { Context } from "hono";
import { type EdgeErrorCode, edgeErrorStatuses } from "../../../generated/edge-error-codes.ts";
import { errorEnvelope, type FieldError, WRONG_INPUTS_MESSAGE } from "../../contract/errors.ts";
import type { EdgeEnv } from "./context.ts";

export type { EdgeErrorCode };

/** The statuses the spec allows for this code. */
export type EdgeErrorStatus<C extends EdgeErrorCode> = (typeof edgeErrorStatuses)[C][number];

export interface EdgeErrorOptions<C extends EdgeErrorCode> {
	/** When the spec gives the code more than one status (`wrong_inputs`: 409, 400 for a webhook). */
	status?: EdgeErrorStatus<C>;
	/** One per refused field (`wrong_inputs`). */
	fieldErrors?: FieldError[];
	/** Headers the answer carries (`retry-after` on `rate_limited`). */
	headers?: Record<string, string>;
}

export class EdgeError<C extends EdgeErrorCode = EdgeErrorCode> extends Error {
	readonly code: C;
	readonly status: EdgeErrorStatus<C>;
	readonly fieldErrors: FieldError[] | undefined;
	readonly headers: Record<string, string>;

	/** `message` is for the caller: it never carries a secret, a token or another caller's data. */
	constructor(code: C, message: string, options: EdgeErrorOptions<C> = {}) {
		super(message);
		this.name = "EdgeError";
		this.code = code;
		this.status = options.status ?? (edgeErrorStatuses[code][0] as EdgeErrorStatus<C>);
		this.fieldErrors = options.fieldErrors;
		this.headers = options.headers ?? {};
	}
}

/**
 * The one place an edge error becomes an answer: its status, its headers and the error envelope,
 * whose `url` is the path the caller called. The request log records the code.
 */
export function renderEdgeError(error: EdgeError, c: Context<EdgeEnv>): Response {
	const log = c.get("log");
	log.error = error.code;
	const body = errorEnvelope(new URL(c.req.url).pathname, error.code, error.message, error.fieldErrors);
	// A forwarded call's refusal carries the reference id it was given, as its answer would have: set
	// here from the log, not on every request's context beforehand (a Headers object per request).
	const headers = log.reference_id ? { "x-reference-id": log.reference_id, ...error.headers } : error.headers;
	return c.json(body, error.status, headers);
}

/** 409 `wrong_inputs` in Flexiti's words, one field error per refused field. */
export function wrongInputs(fieldErrors: FieldError[]): EdgeError<"wrong_inputs"> {
	return new EdgeError("wrong_inputs", WRONG_INPUTS_MESSAGE, { fieldErrors });
}
