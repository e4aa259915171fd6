/**
 * An isolate's token cache on its own (flexiti/token-cache.ts), through the dependencies it is given:
 * the edge's real KV binding, a clock the test moves, and a broker that answers as scripted and counts
 * what it is asked (the real broker has its own tests: token-broker.test.ts). Memory, then KV, then
 * the broker; one broker call however many requests arrive at once; a stale token rather than none;
 * a rejected token never served again from a lagging KV.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type FlexitiToken, TokenRefused, TokenUnavailable } from "../../../functions/edge/flexiti/flexiti-token.ts";
import type { BrokerAnswer } from "../../../functions/edge/flexiti/token-broker.ts";
import { LOOK_AHEAD_MS, TokenCache, type TokenCacheDeps } from "../../../functions/edge/flexiti/token-cache.ts";
import { publishToken } from "../../../functions/edge/flexiti/token-kv.ts";

const encryptionKey = crypto.getRandomValues(new Uint8Array(32));
const HOUR = 60 * 60 * 1000;

/** A fresh client id per test: KV is shared by the whole file. */
const newClient = () => `unit-${crypto.randomUUID()}`;
const token = (name: string, expiresAt: number): FlexitiToken => ({ accessToken: name, expiresAt });

function world(answers: BrokerAnswer[]) {
	// The real time to start with: KV takes the token's expiry as an absolute time, which must be ahead.
	let now = Date.now();
	const asked: string[] = [];
	const background: Promise<unknown>[] = [];
	const next = () => answers.shift() ?? { unavailable: "unreachable" as const };
	const deps: TokenCacheDeps = {
		kv: env.TOKENS,
		encryptionKey,
		broker: {
			token: async () => {
				asked.push("token");
				return next();
			},
			replace: async (rejected) => {
				asked.push(`replace ${rejected}`);
				return next();
			},
		},
		now: () => now,
		waitUntil: (promise) => background.push(promise),
	};
	return {
		deps,
		asked,
		get now() {
			return now;
		},
		advance: (ms: number) => {
			now += ms;
		},
		settle: () => Promise.all(background.splice(0)),
	};
}

describe("TokenCache", () => {
	it("asks the broker once for many requests at once, then serves from memory", async () => {
		const w = world([]);
		const client = newClient();
		w.deps.broker.token = async () => {
			w.asked.push("token");
			return { token: token("t1", w.now + HOUR), minted: true, stale: false };
		};
		const cache = new TokenCache();
		const first = await Promise.all(Array.from({ length: 20 }, () => cache.get(client, "merchant", w.deps)));
		expect(new Set(first.map((r) => `${r.token.accessToken} ${r.source}`))).toEqual(new Set(["t1 minted"]));
		expect((await cache.get(client, "merchant", w.deps)).source).toBe("memory");
		expect(w.asked).toEqual(["token"]);
	});

	it("hands a shared load to the waitUntil of the request that started it, so it settles even if that request ends first", async () => {
		// Others wait on the same load; had the request that started it ended (answered early, or cancelled
		// by its client), its I/O would go with its context and every later request would wait on a promise
		// that never settles (the edge suite hung that way until the runtime cancelled 99 requests).
		const w = world([]);
		const client = newClient();
		const asked = Promise.withResolvers<(value: BrokerAnswer) => void>();
		w.deps.broker.token = () => new Promise((resolve) => asked.resolve(resolve));
		const cache = new TokenCache();
		const waiting = [cache.get(client, "merchant", w.deps), cache.get(client, "merchant", w.deps)];
		const handed = w.settle(); // what the first request handed to its waitUntil
		(await asked.promise)({ token: token("t1", w.now + HOUR), minted: true, stale: false });
		expect(await handed).toHaveLength(1); // the one load, handed once
		expect((await Promise.all(waiting)).map((r) => r.token.accessToken)).toEqual(["t1", "t1"]);
		expect((await cache.get(client, "merchant", w.deps)).source).toBe("memory");
	});

	it("forgets a load in flight with its memory (a test's cold isolate shares nothing with the one before)", async () => {
		const w = world([]);
		const client = newClient();
		const silent = { ...w.deps.broker, token: () => new Promise<BrokerAnswer>(() => undefined) }; // never answers
		const cache = new TokenCache();
		void cache.get(client, "merchant", { ...w.deps, broker: silent });
		cache.clearMemory();
		w.deps.broker.token = async () => ({ token: token("t2", w.now + HOUR), minted: true, stale: false });
		expect((await cache.get(client, "merchant", w.deps)).token.accessToken).toBe("t2");
	});

	it("reads a cold isolate's token from KV before it troubles the broker", async () => {
		const w = world([]);
		const client = newClient();
		await publishToken(env.TOKENS, encryptionKey, client, "merchant", token("from-kv", w.now + HOUR), w.now);
		const got = await new TokenCache().get(client, "merchant", w.deps);
		expect([got.token.accessToken, got.source]).toEqual(["from-kv", "kv"]);
		expect(w.asked).toEqual([]);
	});

	it("in the refresh window, looks for the new token in the background and keeps serving the old one", async () => {
		const w = world([]);
		const client = newClient();
		const cache = new TokenCache();
		w.deps.broker.token = async () => {
			w.asked.push("token");
			return { token: token(`t${w.asked.length}`, w.now + HOUR), minted: false, stale: false };
		};
		await cache.get(client, "merchant", w.deps);
		w.advance(HOUR - LOOK_AHEAD_MS + 1000);
		const during = await cache.get(client, "merchant", w.deps);
		expect([during.token.accessToken, during.source]).toEqual(["t1", "memory"]);
		await w.settle();
		const after = await cache.get(client, "merchant", w.deps);
		expect([after.token.accessToken, after.source]).toEqual(["t2", "memory"]);
		expect(w.asked).toEqual(["token", "token"]);
	});

	it("serves a token that has not expired when the broker has nothing, and says so", async () => {
		const w = world([]);
		const client = newClient();
		const cache = new TokenCache();
		w.deps.broker.token = async () => ({ token: token("t1", w.now + 2 * 60 * 1000), minted: true, stale: false });
		await cache.get(client, "merchant", w.deps);
		w.deps.broker.token = async () => ({ unavailable: "unreachable" });
		w.advance(90 * 1000); // in its last minute: no longer usable, not yet expired
		const got = await cache.get(client, "merchant", w.deps);
		expect([got.token.accessToken, got.source]).toEqual(["t1", "stale"]);
	});

	it("fails as the broker says when it has no token: refused (with Flexiti's code) or unavailable", async () => {
		const refused = world([{ unavailable: "refused", code: "invalid_client" }]);
		const error = await new TokenCache().get(newClient(), "merchant", refused.deps).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TokenRefused);
		expect((error as TokenRefused).code).toBe("invalid_client");
		const unreachable = world([{ unavailable: "unreachable" }]);
		await expect(new TokenCache().get(newClient(), "merchant", unreachable.deps)).rejects.toBeInstanceOf(
			TokenUnavailable,
		);
	});

	it("never serves a rejected token again, even while KV still shows it", async () => {
		const w = world([]);
		const client = newClient();
		await publishToken(env.TOKENS, encryptionKey, client, "merchant", token("rejected", w.now + HOUR), w.now);
		const cache = new TokenCache();
		expect((await cache.get(client, "merchant", w.deps)).token.accessToken).toBe("rejected");
		// The broker's replacement is lost: KV (lagging) still has the rejected token.
		w.deps.broker.replace = async (rejected) => {
			w.asked.push(`replace ${rejected}`);
			return { unavailable: "unreachable" };
		};
		w.deps.broker.token = async () => {
			w.asked.push("token");
			return { token: token("new", w.now + HOUR), minted: true, stale: false };
		};
		await cache.invalidate(client, "merchant", "rejected", w.deps);
		const got = await cache.get(client, "merchant", w.deps);
		expect(got.token.accessToken).toBe("new");
		expect(w.asked).toEqual(["replace rejected", "token"]);
	});
});
