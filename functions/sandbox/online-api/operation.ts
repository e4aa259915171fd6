/**
 * What a sandbox Online API handler is, typed by spec/flexiti-online-api.yaml as the POS handlers
 * are by theirs (../operation.ts): synchronous, from a validated, authorized call and the world to
 * a result, so the Durable Object applies it between two awaits.
 */

import type { operations } from "../../../generated/flexiti-online-api.ts";
import type { OnlineOperationId } from "../../../generated/online-operations.ts";
import type { Refusal } from "../operation.ts";
import type { Token, World } from "../world.ts";

type JsonContent<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

/** The operations a handler serves: every one but the token endpoint (the POS token endpoint's code, see routes.ts). */
export type OnlineHandledId = Exclude<OnlineOperationId, "createOnlineToken">;

export type OnlineRequestBody<Op extends OnlineHandledId> = operations[Op] extends { requestBody: infer B }
	? JsonContent<NonNullable<B>>
	: undefined;

export type OnlineSuccessBody<Op extends OnlineHandledId> = operations[Op] extends { responses: { 200: infer R } }
	? JsonContent<R>
	: never;

export type OnlinePathParams<Op extends OnlineHandledId> = operations[Op] extends { parameters: { path: infer P } }
	? P
	: Record<string, never>;

export type OnlineQuery<Op extends OnlineHandledId> = operations[Op] extends { parameters: { query: infer Q } }
	? Q
	: Record<string, never>;

export interface OnlineCall<Op extends OnlineHandledId> {
	world: World;
	now: number;
	clientId: string;
	token: Token;
	path: OnlinePathParams<Op>;
	query: OnlineQuery<Op>;
	body: OnlineRequestBody<Op>;
	lang: "en" | "fr";
	/** The sandbox's own origin, for the hosted pages it hands out. */
	origin: string;
}

export type OnlineResult<Op extends OnlineHandledId> = { refused?: false; body: OnlineSuccessBody<Op> } | Refusal;

export type OnlineHandler<Op extends OnlineHandledId> = (call: OnlineCall<Op>) => OnlineResult<Op>;

/** Every Online API operation in the spec has a handler: a missing one is a compile error. */
export type OnlineHandlers = { [Op in OnlineHandledId]: OnlineHandler<Op> };

export function ok<Op extends OnlineHandledId>(body: OnlineSuccessBody<Op>): OnlineResult<Op> {
	return { body };
}
