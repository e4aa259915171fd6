/**
 * An isolate's Flexiti tokens per client id and scope: memory, then Workers KV, then the client's
 * token broker (token-broker.ts) — an isolate never asks Flexiti for a token itself, so however many
 * isolates run, one broker per client and scope makes the token calls.
 *
 * - A cold isolate reads KV; only if KV has no usable token does it ask the broker (once, however
 *   many requests arrive at once).
 * - From four minutes before expiry (a minute after the broker refreshed it), the isolate looks for
 *   the new token in the background: KV first, the broker if KV does not have it yet. Requests keep
 *   being served from memory meanwhile.
 * - While no new token can be had, a token that has not yet expired keeps being served (stale).
 * - A token Flexiti rejects (401) is reported to the broker, which replaces it once for everyone.
 */
import { type FlexitiToken, type Scope, TokenRefused, TokenUnavailable } from "./flexiti-token.ts";
import { type BrokerAnswer, REFRESH_AHEAD_MS, usable } from "./token-broker.ts";
import { readPublishedToken, tokenKvKey } from "./token-kv.ts";

/** Isolates look for the broker's refreshed token from this long before expiry. */
export const LOOK_AHEAD_MS = REFRESH_AHEAD_MS - 60 * 1000;
/** An isolate looks again at most this often while it has not found the refreshed token. */
const LOOK_AGAIN_MS = 15 * 1000;

/** Where the token came from, for the request log. */
export type TokenSource = "memory" | "kv" | "broker" | "minted" | "stale";

/** What an isolate asks of its client's broker (an RPC stub in the Worker). */
export interface BrokerClient {
	token(): Promise<BrokerAnswer>;
	replace(rejected: string): Promise<BrokerAnswer>;
}

export interface TokenCacheDeps {
	kv: KVNamespace;
	encryptionKey: Uint8Array;
	broker: BrokerClient;
	now: () => number;
	waitUntil: (promise: Promise<unknown>) => void;
}

export class TokenCache {
	private readonly memory = new Map<string, FlexitiToken>();
	private readonly loading = new Map<string, Promise<{ token: FlexitiToken; source: TokenSource }>>();
	private readonly lookedAt = new Map<string, number>();
	/** The last token Flexiti rejected, per key: a lagging KV may show it for a while yet. */
	private readonly rejected = new Map<string, string>();

	async get(
		clientId: string,
		scope: Scope,
		deps: TokenCacheDeps,
	): Promise<{ token: FlexitiToken; source: TokenSource }> {
		const key = tokenKvKey(clientId, scope);
		const cached = this.memory.get(key);
		if (cached && usable(cached, deps.now())) {
			this.lookAhead(key, clientId, scope, cached, deps);
			return { token: cached, source: "memory" };
		}
		let load = this.loading.get(key);
		if (!load) {
			const started = this.load(key, clientId, scope, deps).finally(() => {
				if (this.loading.get(key) === started) this.loading.delete(key);
			});
			// Other requests share this load: it must settle even if the request that started it ends first
			// (answered, or cancelled by its client), whose context would otherwise take the load's I/O with
			// it and leave everyone after waiting on a promise that never settles.
			deps.waitUntil(started.catch(() => undefined));
			this.loading.set(key, started);
			load = started;
		}
		return load;
	}

	/** Flexiti rejected this token: forget it here, and let the broker replace it (once, for every isolate). */
	async invalidate(clientId: string, scope: Scope, accessToken: string, deps: TokenCacheDeps): Promise<void> {
		const key = tokenKvKey(clientId, scope);
		if (this.memory.get(key)?.accessToken === accessToken) this.memory.delete(key);
		this.rejected.set(key, accessToken);
		const answer = await deps.broker.replace(accessToken);
		if ("token" in answer && answer.token.accessToken !== accessToken) this.keep(key, answer.token);
	}

	private async load(key: string, clientId: string, scope: Scope, deps: TokenCacheDeps) {
		const stored = await this.readKv(key, clientId, scope, deps);
		if (stored && usable(stored, deps.now())) {
			this.keep(key, stored);
			return { token: stored, source: "kv" as const };
		}
		const answer = await deps.broker.token();
		if ("token" in answer) {
			this.keep(key, answer.token);
			return { token: answer.token, source: answer.stale ? "stale" : answer.minted ? "minted" : "broker" } as const;
		}
		// The broker has nothing, but this isolate still holds a token that has not expired: better it than nothing.
		const cached = this.memory.get(key);
		if (cached && cached.expiresAt > deps.now() + 5000) return { token: cached, source: "stale" as const };
		throw answer.unavailable === "refused" ? new TokenRefused(answer.code ?? "refused") : new TokenUnavailable(null);
	}

	/** In the refresh window: fetch the broker's new token in the background (KV, else the broker). */
	private lookAhead(key: string, clientId: string, scope: Scope, token: FlexitiToken, deps: TokenCacheDeps): void {
		const now = deps.now();
		if (token.expiresAt - now > LOOK_AHEAD_MS || now - (this.lookedAt.get(key) ?? 0) < LOOK_AGAIN_MS) return;
		this.lookedAt.set(key, now);
		const look = (async () => {
			const stored = await this.readKv(key, clientId, scope, deps);
			if (stored && stored.expiresAt > token.expiresAt) return this.keep(key, stored);
			const answer = await deps.broker.token();
			if ("token" in answer && answer.token.expiresAt > token.expiresAt) this.keep(key, answer.token);
		})().catch(() => {
			// Memory still serves; the next request in the window looks again.
		});
		deps.waitUntil(look);
	}

	private async readKv(key: string, clientId: string, scope: Scope, deps: TokenCacheDeps) {
		const stored = await readPublishedToken(deps.kv, deps.encryptionKey, clientId, scope);
		return stored && stored.accessToken !== this.rejected.get(key) ? stored : undefined;
	}

	private keep(key: string, token: FlexitiToken): void {
		// Never trade a token for an older one (a lagging KV read may still show the previous token).
		const held = this.memory.get(key);
		if (!held || token.expiresAt >= held.expiresAt) this.memory.set(key, token);
	}

	/** For tests: forget this isolate's memory (KV stays), loads in flight included (a cold isolate has none). */
	clearMemory(): void {
		this.memory.clear();
		this.loading.clear();
		this.lookedAt.clear();
		this.rejected.clear();
	}
}

/** One cache per isolate. */
export const tokenCache = new TokenCache();
