/**
 * Flexiti's token endpoints and bearer-token checks, as the docs describe them: form-encoded
 * client credentials, `merchant` (default) or `customer` scope, 20-minute tokens, and a refresh
 * token that works once and not after its access token expired. The POS API's endpoint and the
 * Online API's (merchant scope only) are one contract served by one function, each as its own
 * operation: its own faults, its own line in the call log, its own request schema.
 */
import type { Context } from "hono";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";
import { onlineRequestSchemas } from "../../generated/online-request-schemas.ts";
import { hexEncode } from "../contract/bytes.ts";
import { constantTimeEqual } from "../contract/constant-time.ts";
import { errorEnvelope, WRONG_INPUTS_MESSAGE } from "../contract/errors.ts";
import type { RequestSchema } from "../contract/operation-types.ts";
import { validateRequest } from "../contract/validate-request.ts";
import { DEFAULT_STALL_MS, faultError, stalledBody, takeFault } from "./faults.ts";
import type { SandboxEnv } from "./host.ts";
import { recordCall } from "./record.ts";
import type { Fault, Scope, Token, World } from "./world.ts";

export type Authentication = { ok: true; token: Token } | { ok: false };

/** A live token from `Authorization: Bearer …`; anything else (missing, garbled, expired) is no token. */
export function authenticateBearer(world: World, header: string | undefined, now: number): Authentication {
	const accessToken = /^Bearer ([\w.~+/-]+=*)$/i.exec(header ?? "")?.[1];
	const token = accessToken ? world.tokens[accessToken] : undefined;
	return token && token.expires_at > now ? { ok: true, token } : { ok: false };
}

/**
 * The operations the token endpoint serves outside the sandbox's pipeline (they speak OAuth, not
 * Flexiti's envelope), each with the schema its own spec gives it.
 */
const tokenOperations = {
	createToken: flexitiRequestSchemas.createToken,
	createOnlineToken: onlineRequestSchemas.createOnlineToken,
} satisfies Record<string, RequestSchema>;

export type TokenOperationId = keyof typeof tokenOperations;

/** POST /v2.5/oauth/token (`createToken`) and the Online API's POST /oauth/token (`createOnlineToken`). */
export function serveToken(operationId: TokenOperationId) {
	return (c: Context<SandboxEnv>) => issueOrRefuse(c, operationId, tokenOperations[operationId]);
}

async function issueOrRefuse(c: Context<SandboxEnv>, operationId: TokenOperationId, schema: RequestSchema) {
	const host = c.env;
	const { world } = host;
	const now = host.now();
	const url = new URL(c.req.url);
	const referenceId = c.req.header("x-reference-id") ?? null;
	let clientId = "";
	let scope: Scope | null = null;
	let grantType: string | undefined;
	// Taken first thing below; a `stall` holds the body of whatever answer the call then gets.
	let fault: Fault | undefined;

	const respond = async (status: number, body: unknown, headers: Record<string, string> = {}) => {
		recordCall(
			world,
			{
				operation: operationId,
				client_id: clientId,
				scope,
				status,
				reference_id: referenceId,
				idempotency_key: null,
				...(grantType ? { grant_type: grantType } : {}),
			},
			now,
		);
		await host.save();
		const answer = Response.json(body, {
			status,
			headers: { ...headers, "cache-control": "no-store", ...(referenceId ? { "x-reference-id": referenceId } : {}) },
		});
		return fault?.kind === "stall" ? stalledBody(answer, fault.delay_ms ?? DEFAULT_STALL_MS) : answer;
	};
	const oauthError = (error: string, description: string) => respond(400, { error, error_description: description });

	fault = takeFault(host, operationId);
	if (fault?.kind === "status") {
		const retryAfter = fault.retry_after !== undefined ? { "retry-after": String(fault.retry_after) } : undefined;
		return respond(
			fault.status,
			errorEnvelope(url.pathname, fault.error ?? faultError(fault.status), "Injected fault"),
			retryAfter,
		);
	}
	if (fault?.kind === "slow") await scheduler.wait(fault.delay_ms ?? 1000);

	// "must be x-www-form-urlencoded … or you will receive an error"
	if (!(c.req.header("content-type") ?? "").startsWith("application/x-www-form-urlencoded")) {
		return oauthError("invalid_request", "The request body must be application/x-www-form-urlencoded");
	}
	const form: Record<string, string> = {};
	for (const [name, value] of await c.req.raw.formData()) if (typeof value === "string") form[name] = value;
	clientId = form.client_id ?? "";

	const client = world.clients[clientId];
	if (!client || !constantTimeEqual(form.client_secret ?? "", client.client_secret)) {
		return oauthError("invalid_client", "Client credentials are invalid");
	}

	const validation = validateRequest(schema, {
		path: {},
		query: url.searchParams,
		headers: c.req.raw.headers,
		body: form,
	});
	if (!validation.ok) {
		return respond(409, errorEnvelope(url.pathname, "wrong_inputs", WRONG_INPUTS_MESSAGE, validation.fieldErrors));
	}

	// A "lost response" (kind drop): the token is issued, but the caller only sees a 503.
	const answer = (issued: unknown) =>
		fault?.kind === "drop"
			? respond(503, errorEnvelope(url.pathname, "service_unavailable", "Injected fault: the answer was lost"))
			: respond(200, issued);
	grantType = form.grant_type ?? "client_credentials";
	if (grantType === "client_credentials") {
		scope = form.scope === "customer" ? "customer" : "merchant";
		return answer(issueToken(world, clientId, scope, now));
	}
	if (grantType === "refresh_token") {
		const previous = world.tokens[world.refreshTokens[form.refresh_token ?? ""] ?? ""];
		// A token "cannot be refreshed after it is expired"; a refresh token is used up by its refresh.
		if (!previous || previous.client_id !== clientId || previous.refreshed || previous.expires_at <= now) {
			return oauthError("invalid_grant", "The refresh token is invalid, already used, or its access token expired");
		}
		previous.refreshed = true;
		scope = previous.scope;
		return answer(issueToken(world, clientId, scope, now, previous.flow));
	}
	return oauthError("unsupported_grant_type", `grant_type ${grantType} is not enabled for this client`);
}

export function issueToken(world: World, clientId: string, scope: Scope, now: number, flow?: string) {
	const ttl = world.settings.token_ttl_seconds;
	const accessToken = randomHex(20);
	const token: Token = {
		access_token: accessToken,
		flow: flow ?? accessToken,
		refresh_token: randomHex(20),
		client_id: clientId,
		scope,
		expires_at: now + ttl * 1000,
		refreshed: false,
	};
	world.tokens[token.access_token] = token;
	world.refreshTokens[token.refresh_token] = token.access_token;
	pruneExpired(world, now);
	return {
		token_type: "bearer",
		access_token: token.access_token,
		expires_in: ttl,
		refresh_token: token.refresh_token,
		scope,
	};
}

/** Tokens long dead are forgotten, so the world stays small. */
function pruneExpired(world: World, now: number): void {
	const horizon = now - 24 * 60 * 60 * 1000;
	for (const [access, token] of Object.entries(world.tokens)) {
		if (token.expires_at < horizon) {
			delete world.tokens[access];
			delete world.refreshTokens[token.refresh_token];
		}
	}
}

/** Expires tokens now (fault injection): all of them, or one client's, or one scope's. */
export function expireTokens(world: World, now: number, filter: { client_id?: string; scope?: string }): number {
	let expired = 0;
	for (const token of Object.values(world.tokens)) {
		if (filter.client_id && token.client_id !== filter.client_id) continue;
		if (filter.scope && token.scope !== filter.scope) continue;
		if (token.expires_at > now) {
			token.expires_at = now;
			expired += 1;
		}
	}
	return expired;
}

function randomHex(bytes: number): string {
	return hexEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}
