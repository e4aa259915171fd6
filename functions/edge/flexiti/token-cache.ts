/**
 * Flexiti tokens per client id and scope: in-isolate memory in front of Workers KV (encrypted).
 *
 * - A cold cache mints exactly once per isolate, however many requests arrive at once (single flight).
 * - A token is refreshed in the background (`waitUntil`) from five minutes before it expires, well
 *   before Flexiti's documented 60-second margin, with the `refresh_token` grant; a refused refresh
 *   (another isolate used the refresh token first, or it expired) falls back to `client_credentials`.
 * - While the token endpoint fails, a token that has not yet expired keeps being served.
 * - A token Flexiti rejects (401) is dropped, so the next `get` mints a new one.
 */

import { type FlexitiToken, type MintToken, type Scope, TokenRefused, TokenUnavailable } from "./flexiti-token.ts";
import { decryptFromKv, encryptForKv } from "./token-crypto.ts";

/** Start refreshing this long before expiry. */
export const REFRESH_AHEAD_MS = 5 * 60 * 1000;
/** Never hand out a token in its last minute (Flexiti's recommended margin) while a fresh one can be had. */
export const SAFETY_MARGIN_MS = 60 * 1000;

/** Where the token came from, for the request log. */
export type TokenSource = "memory" | "kv" | "minted" | "stale";

export interface TokenCacheDeps {
	kv: KVNamespace;
	encryptionKey: Uint8Array;
	mint: MintToken;
	now: () => number;
	waitUntil: (promise: Promise<unknown>) => void;
}

export class TokenCache {
	private readonly memory = new Map<string, FlexitiToken>();
	private readonly loading = new Map<string, Promise<{ token: FlexitiToken; source: TokenSource }>>();
	private readonly refreshing = new Map<string, Promise<void>>();

	async get(
		clientId: string,
		scope: Scope,
		deps: TokenCacheDeps,
	): Promise<{ token: FlexitiToken; source: TokenSource }> {
		const key = kvKey(clientId, scope);
		const cached = this.memory.get(key);
		if (cached && usable(cached, deps.now())) {
			this.refreshAhead(key, clientId, scope, cached, deps);
			return { token: cached, source: "memory" };
		}
		let load = this.loading.get(key);
		if (!load) {
			load = this.load(key, clientId, scope, deps).finally(() => this.loading.delete(key));
			this.loading.set(key, load);
		}
		try {
			return await load;
		} catch (error) {
			// The endpoint is down, but the old token has not expired yet: better it than nothing.
			if (cached && cached.expiresAt > deps.now() + 5000) return { token: cached, source: "stale" };
			throw error;
		}
	}

	/** Forgets a token Flexiti rejected, here and in KV (if KV still holds that same token). */
	async invalidate(clientId: string, scope: Scope, accessToken: string, deps: TokenCacheDeps): Promise<void> {
		const key = kvKey(clientId, scope);
		if (this.memory.get(key)?.accessToken === accessToken) this.memory.delete(key);
		const stored = await readKv(key, deps);
		if (stored?.accessToken === accessToken) await deps.kv.delete(key).catch(() => {});
	}

	private async load(key: string, clientId: string, scope: Scope, deps: TokenCacheDeps) {
		const stored = await readKv(key, deps);
		if (stored && usable(stored, deps.now())) {
			this.memory.set(key, stored);
			this.refreshAhead(key, clientId, scope, stored, deps);
			return { token: stored, source: "kv" as const };
		}
		const token = await deps.mint(clientId, scope, { type: "client_credentials" });
		await this.store(key, token, deps);
		return { token, source: "minted" as const };
	}

	private refreshAhead(key: string, clientId: string, scope: Scope, token: FlexitiToken, deps: TokenCacheDeps): void {
		if (token.expiresAt - deps.now() > REFRESH_AHEAD_MS || this.refreshing.has(key)) return;
		const refresh = (async () => {
			try {
				const fresh = await renew(clientId, scope, token, deps.mint);
				await this.store(key, fresh, deps);
			} catch (error) {
				// Keep serving the current token until it is really gone; the next request tries again.
				console.warn(
					JSON.stringify({ event: "token_refresh_failed", client_id: clientId, scope, reason: describe(error) }),
				);
			} finally {
				this.refreshing.delete(key);
			}
		})();
		this.refreshing.set(key, refresh);
		deps.waitUntil(refresh);
	}

	private async store(key: string, token: FlexitiToken, deps: TokenCacheDeps): Promise<void> {
		this.memory.set(key, token);
		const expiration = Math.floor(token.expiresAt / 1000);
		// KV wants an expiration at least 60 s ahead; a token that close to its end is not worth sharing.
		if (expiration - Math.floor(deps.now() / 1000) < 60) return;
		const sealed = await encryptForKv(deps.encryptionKey, key, JSON.stringify(token));
		// KV only shares the token with other isolates: if it fails (a rate limit), this one still has it.
		await deps.kv.put(key, sealed, { expiration }).catch(() => {
			console.warn(JSON.stringify({ event: "token_kv_write_failed", key: key.split(":").slice(0, 3).join(":") }));
		});
	}

	/** For tests: forget this isolate's memory (KV stays). */
	clearMemory(): void {
		this.memory.clear();
	}
}

/** Refresh with the refresh token; if Flexiti refuses it, start afresh with client credentials. */
export async function renew(
	clientId: string,
	scope: Scope,
	token: FlexitiToken,
	mint: MintToken,
): Promise<FlexitiToken> {
	if (token.refreshToken) {
		try {
			return await mint(clientId, scope, { type: "refresh_token", refreshToken: token.refreshToken });
		} catch (error) {
			if (!(error instanceof TokenRefused)) throw error;
		}
	}
	return mint(clientId, scope, { type: "client_credentials" });
}

export function usable(token: FlexitiToken, now: number): boolean {
	return token.expiresAt - now > SAFETY_MARGIN_MS;
}

function kvKey(clientId: string, scope: Scope): string {
	return `flexiti-token:v1:${clientId}:${scope}`;
}

async function readKv(key: string, deps: TokenCacheDeps): Promise<FlexitiToken | undefined> {
	// A failing KV read is a cache miss, not an error: minting works without it.
	const sealed = await deps.kv.get(key).catch(() => null);
	if (!sealed) return undefined;
	const plaintext = await decryptFromKv(deps.encryptionKey, key, sealed);
	return plaintext ? (JSON.parse(plaintext) as FlexitiToken) : undefined;
}

function describe(error: unknown): string {
	if (error instanceof TokenRefused) return `refused: ${error.code}`;
	if (error instanceof TokenUnavailable) return `unavailable: ${error.status ?? "network"}`;
	return error instanceof Error ? error.name : "unknown";
}

/** One cache per isolate. */
export const tokenCache = new TokenCache();
