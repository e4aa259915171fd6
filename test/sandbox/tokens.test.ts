import { beforeEach, describe, expect, it } from "vitest";
import {
	BASE_URL,
	conformingFetch,
	DEMO,
	DEMO2,
	mintToken,
	resetSandbox,
	sandboxAdmin,
	sandboxClient,
} from "../support/sandbox.ts";

const form = { "content-type": "application/x-www-form-urlencoded" };
const client = sandboxClient();

beforeEach(resetSandbox);

async function tokenRequest(body: Record<string, string>, headers: Record<string, string> = form) {
	return client.POST("/v2.5/oauth/token", {
		body: body as { client_id: string; client_secret: string },
		headers,
	});
}

describe("POST /v2.5/oauth/token", () => {
	it("issues a merchant token by default, for 1200 seconds, with a refresh token", async () => {
		const { data, response } = await tokenRequest({ ...DEMO });
		expect(response.status).toBe(200);
		expect(data).toMatchObject({ token_type: "bearer", expires_in: 1200, scope: "merchant" });
		expect(data?.access_token).toMatch(/^[0-9a-f]{40}$/);
		expect(data?.refresh_token).toMatch(/^[0-9a-f]{40}$/);
		expect(response.headers.get("cache-control")).toBe("no-store");
	});

	it("issues a customer token when asked", async () => {
		const { data } = await tokenRequest({ ...DEMO, grant_type: "client_credentials", scope: "customer" });
		expect(data?.scope).toBe("customer");
	});

	it("accepts only form-encoded bodies: JSON is an invalid_request", async () => {
		const response = await conformingFetch(
			new Request(`${BASE_URL}/v2.5/oauth/token`, {
				method: "POST",
				headers: { "content-type": "application/json", "x-reference-id": crypto.randomUUID() },
				body: JSON.stringify(DEMO),
			}),
		);
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: "invalid_request" });
	});

	it.each([
		["a wrong secret", { client_id: DEMO.client_id, client_secret: "wrong" }],
		["an unknown client", { client_id: "nobody", client_secret: DEMO.client_secret }],
		["another client's secret", { client_id: DEMO.client_id, client_secret: DEMO2.client_secret }],
		["no secret", { client_id: DEMO.client_id }],
	])("refuses %s with invalid_client", async (_, body) => {
		const { error, response } = await tokenRequest(body as Record<string, string>);
		expect(response.status).toBe(400);
		expect(error).toMatchObject({ error: "invalid_client" });
	});

	it("refuses an unknown scope with wrong_inputs naming the field", async () => {
		const { error, response } = await tokenRequest({ ...DEMO, scope: "admin" });
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs", field_errors: [{ param: "scope", value: "admin" }] });
	});

	it("requires x-reference-id", async () => {
		const response = await conformingFetch(
			new Request(`${BASE_URL}/v2.5/oauth/token`, {
				method: "POST",
				headers: form,
				body: new URLSearchParams(DEMO),
			}),
		);
		expect(response.status).toBe(409);
		expect(await response.json()).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "x-reference-id", msg: "required" }],
		});
	});

	it("refreshes once: the refresh token is rotated and the old one is refused", async () => {
		const first = await mintToken("customer");
		const refreshed = await tokenRequest({
			...DEMO,
			grant_type: "refresh_token",
			refresh_token: first.refresh_token ?? "",
		});
		expect(refreshed.data).toMatchObject({ scope: "customer", expires_in: 1200 });
		expect(refreshed.data?.refresh_token).not.toBe(first.refresh_token);

		const again = await tokenRequest({
			...DEMO,
			grant_type: "refresh_token",
			refresh_token: first.refresh_token ?? "",
		});
		expect(again.response.status).toBe(400);
		expect(again.error).toMatchObject({ error: "invalid_grant" });
	});

	it("cannot refresh after the access token expired", async () => {
		const first = await mintToken();
		await sandboxAdmin("POST", "/tokens/expire", {});
		const { error, response } = await tokenRequest({
			...DEMO,
			grant_type: "refresh_token",
			refresh_token: first.refresh_token ?? "",
		});
		expect(response.status).toBe(400);
		expect(error).toMatchObject({ error: "invalid_grant" });
	});

	it("uses the configured lifetime", async () => {
		await sandboxAdmin("PATCH", "/settings", { token_ttl_seconds: 90 });
		expect((await mintToken()).expires_in).toBe(90);
	});
});

describe("bearer tokens on operations", () => {
	const termsPath = "/v2.5/client-id/{client_id}/terms-and-conditions" as const;
	const params = { path: { client_id: DEMO.client_id } };

	it("accepts a live token of the path's client", async () => {
		const token = await mintToken("customer");
		const { response } = await sandboxClient(token.access_token).GET(termsPath, { params });
		expect(response.status).toBe(200);
	});

	it.each([
		["no Authorization header", undefined],
		["a garbled header", "Bearer"],
		["an unknown token", "deadbeef".repeat(5)],
	])("answers 401 invalid_token for %s", async (_, token) => {
		const { error, response } = await sandboxClient(token).GET(termsPath, { params });
		expect(response.status).toBe(401);
		expect(error).toMatchObject({ error: "invalid_token" });
	});

	it("answers 401 once the token expired", async () => {
		const token = await mintToken();
		await sandboxAdmin("POST", "/tokens/expire", { scope: "merchant" });
		const { error, response } = await sandboxClient(token.access_token).GET(termsPath, { params });
		expect(response.status).toBe(401);
		expect(error).toMatchObject({ error: "invalid_token" });
	});

	it("does not accept one client's token for another client", async () => {
		const token = await mintToken("merchant", DEMO2);
		const { response } = await sandboxClient(token.access_token).GET(termsPath, { params });
		expect(response.status).toBe(401);
	});

	it("answers 403 Insufficient scope for a customer token on a merchant-only operation", async () => {
		const token = await mintToken("customer");
		const { error, response } = await sandboxClient(token.access_token).GET("/v2.5.1/client-id/{client_id}/captures", {
			params,
		});
		expect(response.status).toBe(403);
		expect(error).toMatchObject({
			error: "insufficient_scope",
			message: "Insufficient scope: authorized scope is insufficient",
		});
	});

	it("lets a merchant token call customer-scope operations too", async () => {
		const token = await mintToken("merchant");
		const { response } = await sandboxClient(token.access_token).GET(termsPath, { params });
		expect(response.status).toBe(200);
	});
});
