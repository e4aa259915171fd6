/**
 * The token broker against the sandbox, with several isolates' token caches (each a `TokenCache`, as
 * each isolate has its own) sharing the real KV and the real broker Durable Object: one token call
 * however many isolates ask, through lost answers, an unreachable token endpoint and rejected tokens.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { callFlexiti, merchantTokens } from "../../functions/edge/flexiti/gateway.ts";
import { tokenBrokerStub } from "../../functions/edge/flexiti/token-broker-object.ts";
import { TokenCache, type TokenSource } from "../../functions/edge/flexiti/token-cache.ts";
import { CLIENT_ID, resetSandbox, sandbox, sandboxCalls } from "./support.ts";

beforeEach(resetSandbox);

const broker = () => tokenBrokerStub(env, CLIENT_ID, "merchant");
const grants = async () => (await sandboxCalls("createToken")).map((c) => [c.grant_type, c.status]);

/** One isolate: its own token cache, the shared KV and broker; each call reports where its token came from. */
function isolate() {
	const cache = new TokenCache();
	const background: Promise<unknown>[] = [];
	const sources: TokenSource[] = [];
	const terms = async () => {
		const tokens = merchantTokens(
			env,
			CLIENT_ID,
			(p) => background.push(p),
			(s) => sources.push(s),
			cache,
		);
		const result = await callFlexiti(
			env,
			"getTermsAndConditions",
			{ params: { client_id: CLIENT_ID }, header: { "x-reference-id": crypto.randomUUID() } },
			tokens,
		).catch((error: Error) => ({ failed: error.name }));
		await Promise.all(background);
		return "failed" in result ? result.failed : result.response.status;
	};
	return { terms, sources };
}

describe("the token broker", () => {
	it("mints once for 20 cold isolates asking at the same time, 5 requests each", async () => {
		const isolates = Array.from({ length: 20 }, isolate);
		const statuses = await Promise.all(isolates.flatMap((i) => Array.from({ length: 5 }, () => i.terms())));
		expect(statuses.every((status) => status === 200)).toBe(true);
		expect(await grants()).toEqual([["client_credentials", 200]]);
		// A new isolate finds the token in KV, without asking the broker.
		const late = isolate();
		expect(await late.terms()).toBe(200);
		expect(late.sources).toEqual(["kv"]);
	});

	it("a mint whose answer was lost fails that request only; the retry mints once for everyone", async () => {
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", kind: "drop" });
		const first = isolate();
		expect(await first.terms()).toBe("TokenUnavailable");
		const statuses = await Promise.all(Array.from({ length: 10 }, () => isolate().terms()));
		expect(statuses.every((status) => status === 200)).toBe(true);
		expect(await grants()).toEqual([
			["client_credentials", 503],
			["client_credentials", 200],
		]);
	});

	it("a broker answer lost on the way to an isolate: asking again gets the same token, not a new one", async () => {
		const asked = await broker().token(CLIENT_ID, "merchant");
		const again = await broker().token(CLIENT_ID, "merchant");
		expect("token" in asked && "token" in again && asked.token.accessToken === again.token.accessToken).toBe(true);
		expect(await grants()).toEqual([["client_credentials", 200]]);
	});

	it("a refresh whose answer was lost: the retry alarm falls back to client_credentials, and requests never fail", async () => {
		await sandbox("PATCH", "/sandbox/settings", { token_ttl_seconds: 200 });
		const one = isolate();
		expect(await one.terms()).toBe(200);
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", kind: "drop" });
		expect(await runDurableObjectAlarm(broker())).toBe(true);
		expect(await one.terms()).toBe(200);
		// The broker tries again on its own alarm, soon: the spent refresh token is refused, so it mints.
		const retryAt = await runInDurableObject(broker(), (_instance, state) => state.storage.getAlarm());
		expect(retryAt).toBeGreaterThan(Date.now());
		expect(retryAt).toBeLessThanOrEqual(Date.now() + 16_000);
		expect(await runDurableObjectAlarm(broker())).toBe(true);
		expect(await grants()).toEqual([
			["client_credentials", 200],
			["refresh_token", 503],
			["refresh_token", 400],
			["client_credentials", 200],
		]);
		expect(await isolate().terms()).toBe(200);
	});

	it("serves a token in its last minute (stale) while Flexiti's token endpoint is down", async () => {
		// Tokens that live 50 s are inside the one-minute safety margin from the start.
		await sandbox("PATCH", "/sandbox/settings", { token_ttl_seconds: 50 });
		expect(await isolate().terms()).toBe(200);
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", count: 50, status: 503 });
		const cold = isolate();
		expect(await cold.terms()).toBe(200);
		expect(cold.sources).toEqual(["stale"]);
		expect((await grants()).slice(1).every(([, status]) => status === 503)).toBe(true);
	});

	it("a 401 seen by 10 isolates at once drops the token once: one new mint for all", async () => {
		const isolates = Array.from({ length: 10 }, isolate);
		for (const i of isolates) expect(await i.terms()).toBe(200);
		expect(await grants()).toEqual([["client_credentials", 200]]);
		await sandbox("POST", "/sandbox/tokens/expire", {});
		const statuses = await Promise.all(isolates.map((i) => i.terms()));
		expect(statuses.every((status) => status === 200)).toBe(true);
		expect(await grants()).toEqual([
			["client_credentials", 200],
			["client_credentials", 200],
		]);
		// A late report of the rejected token (an answer that arrived after the replacement) mints nothing.
		const terms = await sandboxCalls("getTermsAndConditions");
		expect(terms.filter((c) => c.status === 401).length).toBe(10);
		expect(await isolates[0]?.terms()).toBe(200);
		expect(await grants()).toHaveLength(2);
	});
});
