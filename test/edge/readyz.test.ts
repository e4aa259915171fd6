import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { createEdgeApp } from "../../functions/edge/app.ts";
import { EDGE, edgeFetch, MERCHANT_KEY, openCheckout, sandbox, sandboxCalls, sandboxTokens } from "./support.ts";

// GET /readyz: the settings, and whether Flexiti (here the local sandbox, over the FLEXITI binding)
// issues a merchant token to each client the key acts for — asked at most once per few minutes.
const readyz = (credential?: string) =>
	edgeFetch(new Request(`${EDGE}/readyz`, credential ? { headers: { authorization: `Bearer ${credential}` } } : {}));

describe("GET /readyz", () => {
	beforeEach(async () => {
		await sandbox("POST", "/sandbox/reset");
	});

	it("is ready when Flexiti issues a token to every client, asks Flexiti once per few minutes, and shows no token", async () => {
		const first = await readyz(MERCHANT_KEY);
		expect(first.status).toBe(200);
		const body = (await first.json()) as { status: string; flexiti: { client_id: string; ok: boolean }[] };
		expect(body.status).toBe("ready");
		expect(body.flexiti.map((check) => [check.client_id, check.ok])).toEqual([
			["flexitidemo", true],
			["flexitidemo2", true],
		]);
		const asked = (await sandboxCalls("createToken")).length;

		// Again at once: the answer is remembered, Flexiti is not asked again.
		expect((await readyz(MERCHANT_KEY)).status).toBe(200);
		expect((await sandboxCalls("createToken")).length).toBe(asked);

		// No token the sandbox issued appears in the answer.
		const text = JSON.stringify(body);
		for (const token of await sandboxTokens()) {
			expect(text).not.toContain(token.access_token);
			expect(text).not.toContain(token.refresh_token);
		}
	});

	it("needs a merchant API key", async () => {
		expect((await readyz()).status).toBe(401);
		const { client_token } = await openCheckout();
		expect((await readyz(client_token)).status).toBe(403);
	});

	it("is not ready (503) when Flexiti refuses a client's credentials, naming the client and Flexiti's code", async () => {
		// One more client, one the sandbox does not know.
		const clients = { ...JSON.parse(env.FLEXITI_CLIENTS), "unknown-merchant": "not-its-secret" };
		const settings = { ...env, FLEXITI_CLIENTS: JSON.stringify(clients) };
		const response = await createEdgeApp().request(
			"/readyz",
			{ headers: { authorization: `Bearer ${MERCHANT_KEY}` } },
			settings,
		);
		expect(response.status).toBe(503);
		const body = (await response.json()) as {
			status: string;
			flexiti: { client_id: string; ok: boolean; problem?: string }[];
		};
		expect(body.status).toBe("not_ready");
		expect(body.flexiti.find((check) => check.client_id === "unknown-merchant")).toMatchObject({
			ok: false,
			problem: expect.any(String),
		});
		expect(body.flexiti.find((check) => check.client_id === "flexitidemo")).toMatchObject({ ok: true });
		expect(JSON.stringify(body)).not.toContain("not-its-secret");
	});

	it("is a 503 naming a malformed setting", async () => {
		const response = await createEdgeApp().request(
			"/readyz",
			{ headers: { authorization: `Bearer ${MERCHANT_KEY}` } },
			{ ...env, TOKEN_ENCRYPTION_KEY: "too-short" },
		);
		expect(response.status).toBe(503);
		expect(await response.json()).toMatchObject({
			error: "edge_misconfigured",
			message: expect.stringContaining("TOKEN_ENCRYPTION_KEY"),
		});
	});
});
