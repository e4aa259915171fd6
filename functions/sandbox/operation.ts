/**
 * What a sandbox operation handler is: a synchronous function from a validated call and the world
 * to a result. Synchronous on purpose: the Durable Object runs it between two awaits, so no other
 * request can observe a half-applied change.
 */
import type { FlexitiOperationId } from "../../generated/flexiti-operations.ts";
import type { operations } from "../../generated/flexiti-pos-api.ts";
import type { FieldError } from "../contract/errors.ts";
import type { Token, World } from "./world.ts";

type JsonContent<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type FormContent<T> = T extends { content: { "application/x-www-form-urlencoded": infer Body } } ? Body : never;

/** The request body of an operation, as the spec types it. */
export type RequestBody<Op extends FlexitiOperationId> = operations[Op] extends { requestBody?: infer B }
	? JsonContent<NonNullable<B>> | FormContent<NonNullable<B>>
	: undefined;

/** The 200 response body of an operation, as the spec types it. */
export type SuccessBody<Op extends FlexitiOperationId> = operations[Op] extends { responses: { 200: infer R } }
	? JsonContent<R>
	: never;

/** The path parameters of an operation, by the spec's names, as the router gives them: text (an id is read from its digits). */
export type PathParams<Op extends FlexitiOperationId> = operations[Op] extends { parameters: { path: infer P } }
	? P extends Record<string, unknown>
		? { [Name in keyof P]: string }
		: Record<string, never>
	: Record<string, never>;

export interface OperationCall<Op extends FlexitiOperationId> {
	world: World;
	/** The sandbox clock (ms), which tests can move forward. */
	now: number;
	clientId: string;
	/** The bearer token the call came with; null for `/oauth/token`. */
	token: Token | null;
	path: PathParams<Op>;
	query: Record<string, unknown>;
	body: RequestBody<Op>;
	headers: Headers;
	lang: "en" | "fr";
	/** The sandbox's own origin, for URLs it hands out (the widget). */
	origin: string;
}

export interface Refusal {
	refused: true;
	status: number;
	error: string;
	message?: string;
	fieldErrors?: FieldError[];
	headers?: Record<string, string>;
}

export type OperationResult<Op extends FlexitiOperationId> =
	| { refused?: false; status?: 200; body: SuccessBody<Op> }
	| Refusal;

export type OperationHandler<Op extends FlexitiOperationId> = (call: OperationCall<Op>) => OperationResult<Op>;

/** Every operation in the spec has a handler: a missing one is a compile error (and a failing test). */
export type OperationHandlers = { [Op in FlexitiOperationId]: OperationHandler<Op> };

export function ok<Op extends FlexitiOperationId>(body: SuccessBody<Op>): OperationResult<Op> {
	return { body };
}

/** A business refusal in Flexiti's terms: 409 unless said otherwise; the message follows `lang`. */
export function refuse(error: string, status = 409, message?: string): Refusal {
	return { refused: true, status, error, ...(message ? { message } : {}) };
}

/** A rule the spec cannot express (one of several fields, a field not allowed here): 409 `wrong_inputs`. */
export function wrongInput(param: string, msg: string, value: unknown = null): Refusal {
	return { refused: true, status: 409, error: "wrong_inputs", fieldErrors: [{ param, msg, value }] };
}
