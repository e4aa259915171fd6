import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createEdgeApp } from "../../functions/edge/app.ts";
import { maskAllButLastFour, redact, redactingReplacer, redactPath } from "../../functions/edge/core/redact.ts";
import { localSettings } from "../support/local-settings.ts";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxTokens,
	seenResponses,
} from "./support.ts";

const logLines: string[] = [];
const consoleMethods = ["log", "info", "warn", "error", "debug"] as const;

beforeAll(async () => {
	await resetSandbox();
	for (const method of consoleMethods) {
		vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
			logLines.push(args.map(String).join(" "));
		});
	}
});
afterAll(() => vi.restoreAllMocks());

describe("the client secret and merchant tokens never leave the worker", () => {
	it("holds over a whole suite of calls: purchases, refusals, faults, bad input", async () => {
		const merchant = flexitiViaEdge(MERCHANT_KEY);
		const client_id = CLIENT_ID;
		await merchant.GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { vcc_number: "5555000000000001" } },
		});
		await merchant.GET("/v2.5/client-id/{client_id}/customers/search", {
			params: { path: { client_id }, query: { first_name: "Jane", last_name: "Doe", dob: "1985-04-12" } },
		});
		await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
			params: { path: { client_id, authorization_id: 99 } },
			body: { amount: 1 },
		});
		await merchant.POST("/v2.5/client-id/{client_id}/customers/driverslicense", {
			params: { path: { client_id } },
			body: { code: "not a licence" },
		});
		const checkout = await openCheckout();
		await edgeApi(checkout.client_token).POST("/v1/checkouts/{checkout_id}/token", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		await flexitiViaEdge(checkout.client_token).POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id } },
			body: { flow: "purchase", customer_identification: { account_number: 10000000000001 } },
		});
		// A merchant opening the widget: its URL would embed the token it was opened with.
		await merchant.POST("/v2.5/client-id/{client_id}/widget/init", {
			params: { path: { client_id } },
			body: { flow: "purchase", customer_identification: { account_number: 10000000000001 } },
		});
		await sandbox("POST", "/sandbox/faults", { operation: "getTermsAndConditions", count: 5, status: 503 });
		await merchant.GET("/v2.5/client-id/{client_id}/terms-and-conditions", { params: { path: { client_id } } });
		await sandbox("POST", "/sandbox/tokens/expire", {});
		await sandbox("POST", "/sandbox/faults", { operation: "createToken", count: 20, status: 503 });
		await merchant.GET("/v2.5/client-id/{client_id}/terms-and-conditions", { params: { path: { client_id } } });

		const secrets = [
			...Object.values(JSON.parse(localSettings().FLEXITI_CLIENTS ?? "{}") as Record<string, string>),
			...(await sandboxTokens())
				.filter((t) => t.scope === "merchant")
				.flatMap((t) => [t.access_token, t.refresh_token]),
		];
		const merchantTokens = (await sandboxTokens()).filter((t) => t.scope === "merchant");
		expect(merchantTokens.length).toBeGreaterThan(0);
		const everything = [
			...seenResponses.map((r) => `${r.status} ${JSON.stringify(r.headers)} ${r.body}`),
			...logLines,
		].join("\n");
		expect(seenResponses.length).toBeGreaterThan(8);
		expect(logLines.length).toBeGreaterThan(8);
		for (const secret of secrets) expect(everything).not.toContain(secret);
		// Nor personal data in the logs: the looked-up customer's name, phone, e-mail, full account number.
		const logs = logLines.join("\n");
		for (const personal of ["Jane", "Doe", "4165550100", "customer01@example.com", "10000000000001", "1985-04-12"]) {
			expect(logs).not.toContain(personal);
		}
	});
});

describe("request log", () => {
	beforeEach(resetSandbox);

	it("writes one JSON line per request with what operators need", async () => {
		const before = logLines.length;
		const referenceId = crypto.randomUUID();
		await flexitiViaEdge(MERCHANT_KEY).GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: {
				path: { client_id: CLIENT_ID },
				query: { account_number: 10000000000001 },
				header: { "x-reference-id": referenceId },
			},
		});
		const lines = logLines.slice(before).filter((line) => line.includes('"event":"request"'));
		expect(lines).toHaveLength(1);
		expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
			event: "request",
			reference_id: referenceId,
			operation: "lookupCustomer",
			caller: "merchant",
			client_id: CLIENT_ID,
			status: 200,
			upstream_status: 200,
			token_source: expect.stringMatching(/memory|kv|minted/),
			duration_ms: expect.any(Number),
			upstream_ms: expect.any(Number),
		});
	});
});

describe("a shopper's customer token", () => {
	beforeEach(resetSandbox);

	it("is asked of the checkout's order once; the isolate keeps it for the checkout's next calls", async () => {
		const checkout = await openCheckout();
		const before = logLines.length;
		for (let call = 0; call < 3; call++) {
			const { response } = await flexitiViaEdge(checkout.client_token).GET(
				"/v2.5/client-id/{client_id}/terms-and-conditions",
				{ params: { path: { client_id: CLIENT_ID } } },
			);
			expect(response.status).toBe(200);
		}
		const sources = logLines
			.slice(before)
			.filter((line) => line.includes('"event":"request"'))
			.map((line) => (JSON.parse(line) as { token_source?: string }).token_source);
		expect(sources).toEqual(["checkout", "checkout-cached", "checkout-cached"]);
	});
});

describe("redaction", () => {
	const personal = {
		first_name: "Jane",
		last_name: "Doe",
		dob: "1985-04-12",
		sin: "046454286",
		govid_number: "D1234-56789-01234",
		phone_number: "4165550100",
		email: "jane@example.com",
		account_number: 10000000000001,
		nested: [{ vcc_number: "5555000000000001", client_secret: "s", access_token: "t" }],
		amount: 120.5,
	};

	it("hides personal data, keeps the last 4 of account numbers, drops secrets", () => {
		expect(redact(personal)).toEqual({
			first_name: "[redacted]",
			last_name: "[redacted]",
			dob: "[redacted]",
			sin: "[redacted]",
			govid_number: "[redacted]",
			phone_number: "[redacted]",
			email: "[redacted]",
			account_number: "**********0001",
			nested: [{ vcc_number: "************0001", client_secret: "[secret]", access_token: "[secret]" }],
			amount: 120.5,
		});
		expect(redactPath("/flexiti/v2.5/client-id/x/accounts/10000000000001/refund")).toBe(
			"/flexiti/v2.5/client-id/x/accounts/**********0001/refund",
		);
		expect(maskAllButLastFour("123")).toBe("****");
	});

	it("judges each path segment percent-decoded: an escaped @ or escaped digits are no way past it", async () => {
		// The router's path keeps reserved escapes (%40 stays %40), and any character may be sent escaped.
		expect(redactPath("/flexiti/v2.5/client-id/x/customers/jane.doe%40mail.com")).toBe(
			"/flexiti/v2.5/client-id/x/customers/[redacted]",
		);
		expect(redactPath("/x/%31%30%30%30%30%30%30%30%30%30%30%30%30%31")).toBe("/x/**********0001");
		expect(redactPath("/x/%61ccounts/10000000000001")).toBe("/x/%61ccounts/**********0001");
		expect(redactPath("/x/100%/ok")).toBe("/x/100%/ok"); // a stray % is judged as written
		// As the request log writes it, for a path that matches no route.
		const before = logLines.length;
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/customers/jane.doe%40mail.com`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(response.status).toBe(404);
		const lines = logLines.slice(before).filter((line) => line.includes('"event":"request"'));
		expect(lines).toHaveLength(1);
		expect(lines[0]).not.toContain("jane.doe");
		expect(lines[0]).toContain("/customers/[redacted]");
	});

	it("of a path that reached no route, logs only the routes' own words: a phone number or a name in it is no id", async () => {
		// An outside probe: `…/customers/4165551234/Jane-Doe` reached the log as sent (only an e-mail was removed).
		const before = logLines.length;
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/customers/4165551234/Jane-Doe/123-456-789`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(response.status).toBe(404);
		const lines = logLines.slice(before).filter((line) => line.includes('"event":"request"'));
		expect(lines).toHaveLength(1);
		for (const data of ["4165551234", "Jane-Doe", "123-456-789"]) expect(lines[0]).not.toContain(data);
		expect(lines[0]).toContain(
			'"path":"/flexiti/v2.5/client-id/[redacted]/customers/[redacted]/[redacted]/[redacted]"',
		);
		// A path that reached its operation keeps its ids (what an operator traces a call by).
		const matched = logLines.length;
		await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5.1/client-id/${CLIENT_ID}/authorization/101045`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		const line = logLines.slice(matched).find((l) => l.includes('"event":"request"'));
		expect(line).toContain(`/client-id/${CLIENT_ID}/authorization/101045`);
	});

	it("applies the same rules as a JSON.stringify replacer (the request log's line), nested fields included", () => {
		for (let time = 0; time < 2; time++) {
			// Twice: the second time each field name's rule is the one remembered.
			expect(JSON.parse(JSON.stringify(personal, redactingReplacer))).toEqual(redact(personal));
		}
	});
});

describe("misconfiguration", () => {
	it.each(["FLEXITI_CLIENTS", "MERCHANT_API_KEY_HASHES", "TOKEN_ENCRYPTION_KEY"])(
		"a missing %s is a 503 naming the setting, not a crash",
		async (setting) => {
			const ctx = createExecutionContext();
			const response = await createEdgeApp().fetch(
				new Request(`${EDGE}/flexiti/v2.5/client-id/flexitidemo/terms-and-conditions`, {
					headers: { authorization: `Bearer ${MERCHANT_KEY}` },
				}),
				{ ...env, [setting]: "" },
				ctx,
			);
			await waitOnExecutionContext(ctx);
			expect(response.status).toBe(503);
			const body = (await response.json()) as { error: string; message: string };
			expect(body.error).toBe("edge_misconfigured");
			expect(body.message).toContain(setting);
		},
	);

	it("a malformed FLEXITI_CLIENTS says how it should look", async () => {
		const ctx = createExecutionContext();
		const response = await createEdgeApp().fetch(
			new Request(`${EDGE}/v1/checkouts`, { method: "POST", headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
			{ ...env, FLEXITI_CLIENTS: "flexitidemo=secret" },
			ctx,
		);
		expect(await response.json()).toMatchObject({
			error: "edge_misconfigured",
			message: expect.stringContaining("JSON"),
		});
	});
});
