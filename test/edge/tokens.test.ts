import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { tokenBrokerStub } from "../../functions/edge/flexiti/token-broker-object.ts";
import {
	CLIENT_ID,
	CLIENT_SECRET,
	EDGE,
	edgeApi,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	resetSandbox,
	sandbox,
	sandboxCalls,
	sandboxTokens,
} from "./support.ts";

beforeEach(resetSandbox);

const terms = () =>
	flexitiViaEdge(MERCHANT_KEY).GET("/v2.5/client-id/{client_id}/terms-and-conditions", {
		params: { path: { client_id: CLIENT_ID } },
	});

/** The token broker of the demo client's merchant scope. */
const broker = () => tokenBrokerStub(env, CLIENT_ID, "merchant");

const grants = async () => (await sandboxCalls("createToken")).map((c) => [c.grant_type, c.status]);

/** Tokens that live 200 s are inside the edge's five-minute refresh-ahead window from the start. */
const shortLivedTokens = () => sandbox("PATCH", "/sandbox/settings", { token_ttl_seconds: 200 });

describe("the merchant token cache and its broker", () => {
	it("mints once for 100 concurrent requests on a cold cache", async () => {
		const responses = await Promise.all(Array.from({ length: 100 }, terms));
		expect(responses.every((r) => r.response.status === 200)).toBe(true);
		expect(await grants()).toEqual([["client_credentials", 200]]);
	});

	it("refreshes ahead of expiry on the broker's alarm, with the refresh_token grant", async () => {
		await shortLivedTokens();
		await terms();
		// The alarm's refresh is done when its run is: the sandbox has seen it.
		expect(await runDurableObjectAlarm(broker())).toBe(true);
		expect(await grants()).toEqual([
			["client_credentials", 200],
			["refresh_token", 200],
		]);
		const fresh = (await sandboxTokens()).at(-1)?.access_token;
		await terms();
		expect((await sandboxCalls("getTermsAndConditions")).every((c) => c.status === 200)).toBe(true);
		expect(fresh).toBeDefined();
	});

	it("falls back to client_credentials when the refresh token was already used", async () => {
		await shortLivedTokens();
		await terms();
		// Another isolate refreshes first: the refresh token is spent.
		const [stolen] = await sandboxTokens();
		const form = new URLSearchParams({
			client_id: CLIENT_ID,
			client_secret: CLIENT_SECRET,
			grant_type: "refresh_token",
			refresh_token: stolen?.refresh_token ?? "",
		});
		const flexiti = env.FLEXITI;
		const spent = await flexiti.fetch("http://sandbox.test/flexiti/pos-api/v2.5/oauth/token", {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded", "x-reference-id": crypto.randomUUID() },
			body: form,
		});
		expect(spent.status).toBe(200);

		expect(await runDurableObjectAlarm(broker())).toBe(true);
		expect(await grants()).toEqual([
			["client_credentials", 200],
			["refresh_token", 200], // the other isolate's
			["refresh_token", 400],
			["client_credentials", 200],
		]);
	});

	it("keeps serving a valid token while the token endpoint fails", async () => {
		await shortLivedTokens();
		await terms();
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", count: 50, status: 503 });
		for (let i = 0; i < 3; i++) expect((await terms()).response.status).toBe(200);
	});

	it("answers a clear 503 when the token is dead and the endpoint is down", async () => {
		await terms();
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", count: 50, status: 503 });
		await sandbox("POST", "/sandbox/tokens/expire", {});
		const { response, error } = await terms();
		expect(response.status).toBe(503);
		expect(error).toMatchObject({ error: "token_unavailable" });
	});

	it("on a 401 from Flexiti drops the token, mints once and retries once", async () => {
		await terms();
		await sandbox("POST", "/sandbox/tokens/expire", {});
		const { response } = await terms();
		expect(response.status).toBe(200);
		expect((await sandboxCalls("getTermsAndConditions")).map((c) => c.status)).toEqual([200, 401, 200]);
		expect(await grants()).toEqual([
			["client_credentials", 200],
			["client_credentials", 200],
		]);
	});

	it("does not loop when Flexiti keeps answering 401", async () => {
		await terms();
		await sandbox("POST", "/sandbox/faults", { operation: "getTermsAndConditions", count: 10, status: 401 });
		const { response } = await terms();
		expect(response.status).toBe(401);
		expect((await sandboxCalls("getTermsAndConditions")).map((c) => c.status)).toEqual([200, 401, 401]);
	});

	it("keeps tokens in KV encrypted: a raw read shows no token", async () => {
		await terms();
		const kv = env.TOKENS;
		const { keys } = await kv.list();
		expect(keys.map((k) => k.name)).toEqual([`flexiti-token:v1:${CLIENT_ID}:merchant`]);
		expect(keys[0]?.expiration).toBeGreaterThan(Date.now() / 1000 + 1000);
		const raw = (await kv.get(keys[0]?.name ?? "")) ?? "";
		const issued = await sandboxTokens();
		expect(issued.length).toBeGreaterThan(0);
		for (const token of issued) {
			expect(raw).not.toContain(token.access_token);
			expect(raw).not.toContain(token.refresh_token);
		}
		expect(raw).not.toContain("access");
	});

	it("shares a token across isolates through KV", async () => {
		await terms();
		const { tokenCache } = await import("../../functions/edge/flexiti/token-cache.ts");
		tokenCache.clearMemory(); // as a new isolate would start
		await terms();
		expect(await grants()).toEqual([["client_credentials", 200]]);
	});
});

/**
 * The Online API's merchant token (hosted checkouts, notifications, the payment calculator) comes from
 * the Online API's own token endpoint, `createOnlineToken` at the sandbox: a fault armed for it strikes
 * there, and one armed for the POS API's `createToken` does not.
 */
describe("the Online API's merchant token", () => {
	const hostedCheckout = (reference: string) =>
		edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference, amount: 10, channel: "hosted", return_url: "https://shop.example/thanks" },
		});
	const order = (reference: string) =>
		edgeFetch(new Request(`${EDGE}/v1/orders/${reference}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }));
	const arm = async (operation: string) =>
		(
			(await (await sandbox("POST", "/sandbox/faults", { operation, count: 50, status: 503 })).json()) as {
				fault: { id: string };
			}
		).fault.id;
	const struck = async (faultId: string) =>
		((await (await sandbox("GET", `/sandbox/faults/${faultId}/struck?timeout_ms=0`)).json()) as { struck: boolean })
			.struck;

	it("its endpoint down: a hosted checkout is a 503 token_unavailable, nothing opened at Flexiti nor stored", async () => {
		const fault = await arm("createOnlineToken");
		const reference = `HC-${crypto.randomUUID().slice(0, 8)}`;
		const { response, error } = await hostedCheckout(reference);
		expect(response.status).toBe(503);
		expect(error).toMatchObject({ error: "token_unavailable" });
		expect(await struck(fault)).toBe(true);
		const mints = await sandboxCalls("createOnlineToken");
		expect(mints.length).toBeGreaterThan(0);
		expect(mints.every((call) => call.status === 503)).toBe(true);
		expect(await sandboxCalls("initHostedCheckout")).toEqual([]);
		expect((await order(reference)).status).toBe(404);

		await sandbox("DELETE", "/sandbox/faults");
		const { data } = await hostedCheckout(reference);
		expect(data).toMatchObject({ channel: "hosted", status: "open", reference });
	});

	it("the POS API's token endpoint down: a hosted checkout still opens, with a token from the Online API's", async () => {
		const fault = await arm("createToken");
		const reference = `HC-${crypto.randomUUID().slice(0, 8)}`;
		const { data } = await hostedCheckout(reference);
		expect(data).toMatchObject({ channel: "hosted", status: "open", reference });
		expect((await sandboxCalls("createOnlineToken")).map((call) => [call.grant_type, call.status])).toEqual([
			["client_credentials", 200],
		]);
		expect(await struck(fault)).toBe(false);
	});
});
