/**
 * Whether Flexiti issues a merchant token to a client now, checked at most once per CHECK_EVERY_MS
 * per client (the answer is kept in this isolate and in KV, so a probe every few seconds from many
 * locations costs Flexiti one token request per client per few minutes). The token itself is
 * dropped at once: readiness never holds, stores or shows one.
 */
import type { EdgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { flexitiTokenEndpoint, TokenRefused, TokenUnavailable } from "./flexiti-token.ts";
import { upstreamSend } from "./upstream.ts";

export const CHECK_EVERY_MS = 5 * 60 * 1000;

export interface TokenCheck {
	client_id: string;
	/** Whether Flexiti issued a merchant-scope token to this client. */
	ok: boolean;
	/** Why not: Flexiti's refusal code (`invalid_client`, …), `flexiti_answered_<status>` or `flexiti_unreachable`. */
	problem?: string;
	checked_at: string;
}

const remembered = new Map<string, TokenCheck>();

export async function checkTokenIssuance(env: EdgeBindings, config: EdgeConfig, clientId: string): Promise<TokenCheck> {
	const key = `readyz:${clientId}`;
	const fresh = (check: TokenCheck | null | undefined) =>
		check && Date.now() - Date.parse(check.checked_at) < CHECK_EVERY_MS ? check : undefined;
	const known = fresh(remembered.get(key)) ?? fresh(await env.TOKENS.get<TokenCheck>(key, "json"));
	if (known) {
		remembered.set(key, known);
		return known;
	}
	const check: TokenCheck = { client_id: clientId, ok: true, checked_at: new Date().toISOString() };
	try {
		// One attempt, no retries: a probe reports what Flexiti does now.
		await flexitiTokenEndpoint(config, upstreamSend(env, config))(
			clientId,
			"merchant",
			{ type: "client_credentials" },
			crypto.randomUUID(),
		);
	} catch (error) {
		check.ok = false;
		check.problem =
			error instanceof TokenRefused
				? error.code
				: error instanceof TokenUnavailable && error.status !== null
					? `flexiti_answered_${error.status}`
					: "flexiti_unreachable";
	}
	remembered.set(key, check);
	// KV's shortest expiry is 60 s; the age check above decides freshness.
	await env.TOKENS.put(key, JSON.stringify(check), { expirationTtl: Math.ceil((2 * CHECK_EVERY_MS) / 1000) });
	return check;
}
