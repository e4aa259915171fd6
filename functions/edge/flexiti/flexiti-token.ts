/**
 * Asking Flexiti for tokens: `client_credentials` for a new one, `refresh_token` to extend one.
 * The client secret goes only into this form body, to Flexiti; it is never logged or returned.
 */
import { createFlexitiClient } from "../../client/flexiti.ts";
import { createFlexitiOnlineClient } from "../../client/flexiti-online.ts";
import type { EdgeConfig } from "../core/config.ts";
import type { Send } from "./upstream.ts";

/**
 * Which token: the POS API's `merchant` or `customer` scope, or `online` — a merchant token of the
 * Online API, a separate API on its own host with its own token endpoint (same contract).
 */
export type Scope = "merchant" | "customer" | "online";

export interface FlexitiToken {
	accessToken: string;
	refreshToken?: string;
	/** Epoch ms. */
	expiresAt: number;
}

export type Grant = { type: "client_credentials" } | { type: "refresh_token"; refreshToken: string };

/** Flexiti answered, but no: a refused refresh token, or wrong credentials. */
export class TokenRefused extends Error {
	constructor(readonly code: string) {
		super(`Flexiti refused the token request (${code})`);
		this.name = "TokenRefused";
	}
}

/** Flexiti's token endpoint could not be reached or failed. */
export class TokenUnavailable extends Error {
	constructor(readonly status: number | null) {
		super(
			status === null ? "Flexiti's token endpoint could not be reached" : `Flexiti's token endpoint answered ${status}`,
		);
		this.name = "TokenUnavailable";
	}
}

export type MintToken = (clientId: string, scope: Scope, grant: Grant, referenceId?: string) => Promise<FlexitiToken>;

export function flexitiTokenEndpoint(config: EdgeConfig, send: Send, now: () => number = Date.now): MintToken {
	const flexiti = createFlexitiClient({ baseUrl: config.flexitiBaseUrl, fetch: send });
	const online = createFlexitiOnlineClient({ baseUrl: config.flexitiOnlineBaseUrl, fetch: send });
	return async (clientId, scope, grant, referenceId) => {
		const clientSecret = config.clients.get(clientId);
		if (!clientSecret) throw new TokenRefused("unknown_client");
		const form = {
			client_id: clientId,
			client_secret: clientSecret,
			grant_type: grant.type,
			...(grant.type === "refresh_token" ? { refresh_token: grant.refreshToken } : {}),
		};
		const headers = {
			"content-type": "application/x-www-form-urlencoded",
			...(referenceId ? { "x-reference-id": referenceId } : {}),
		};
		const { data, error, response } = await (scope === "online"
			? online.POST("/oauth/token", { body: { ...form, scope: "merchant" }, headers })
			: flexiti.POST("/v2.5/oauth/token", { body: { ...form, scope }, headers })
		).catch(() => {
			throw new TokenUnavailable(null);
		});
		if (data) {
			return {
				accessToken: data.access_token,
				...(data.refresh_token ? { refreshToken: data.refresh_token } : {}),
				expiresAt: now() + data.expires_in * 1000,
			};
		}
		if (response.status === 400 && typeof error === "object" && error && "error" in error) {
			throw new TokenRefused(String(error.error));
		}
		throw new TokenUnavailable(response.status);
	};
}
