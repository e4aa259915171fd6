import { beforeEach, describe, expect, it } from "vitest";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	MERCHANT_KEY,
	openCheckout,
	ROTATED_MERCHANT_KEY,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";

beforeEach(resetSandbox);

describe("POST /v1/checkouts (merchant key)", () => {
	it("opens a checkout with a client token bound to it", async () => {
		const { data, response } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference: "ORDER-1001", amount: 249.99, lang: "fr" },
		});
		expect(response.status).toBe(201);
		expect(data).toMatchObject({
			client_id: CLIENT_ID,
			reference: "ORDER-1001",
			amount: 249.99,
			lang: "fr",
			auto_capture: false,
			status: "open",
		});
		expect(data?.checkout_id).toMatch(/^[0-9a-f]{64}$/);
		expect(data?.client_token).toMatch(new RegExp(`^cst_${data?.checkout_id}_[A-Za-z0-9_-]{43}$`));
		expect(Date.parse(data?.expires_at ?? "") - Date.now()).toBeGreaterThan(29 * 60 * 1000);
	});

	it("refuses the references `.` and `..` (no URL path carries them: the order's ledger would be out of reach); `...` and `.x` are fine", async () => {
		// An outside probe created an order `.`, listed but never readable: `/v1/orders/.` is `/v1/orders/`.
		const api = edgeApi(MERCHANT_KEY);
		for (const reference of [".", ".."]) {
			const { response, error } = await api.POST("/v1/checkouts", { body: { reference, amount: 10 } });
			expect(response.status, reference).toBe(409);
			expect(error?.field_errors).toEqual([{ param: "reference", msg: "wrong format", value: reference }]);
		}
		for (const reference of ["...", `.${crypto.randomUUID().slice(0, 8)}`]) {
			const { response } = await api.POST("/v1/checkouts", { body: { reference, amount: 10 } });
			expect(response.status, reference).toBe(201);
			const ledger = await api.GET("/v1/orders/{reference}", { params: { path: { reference } } });
			expect(ledger.response.status, reference).toBe(200);
		}
	});

	it("accepts every configured key (rotation)", async () => {
		const { response } = await edgeApi(ROTATED_MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference: "ORDER-ROT", amount: 10 },
		});
		expect(response.status).toBe(201);
	});

	it.each([
		["no key", undefined],
		["a wrong key", "fe_local_merchant_key_not_for_productioN"],
	])("refuses %s with 401", async (_, key) => {
		const response = await edgeFetch(
			new Request(`${EDGE}/v1/checkouts`, {
				method: "POST",
				headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
				body: JSON.stringify({ reference: "X", amount: 1 }),
			}),
		);
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ error: "invalid_credentials" });
	});

	it("refuses a shopper's client token: only merchants open checkouts", async () => {
		const checkout = await openCheckout();
		const { response, error } = await edgeApi(checkout.client_token).POST("/v1/checkouts", {
			body: { reference: "X", amount: 1 },
		});
		expect(response.status).toBe(403);
		expect(error).toMatchObject({ error: "merchant_only" });
	});

	it("answers a body that breaks the spec with 409 wrong_inputs naming each field", async () => {
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			// @ts-expect-error amount must be positive, reference is required, lang is en|fr
			body: { amount: -1, lang: "de" },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({
			error: "wrong_inputs",
			field_errors: expect.arrayContaining([
				expect.objectContaining({ param: "reference", msg: "required" }),
				expect.objectContaining({ param: "amount", msg: "out of range", value: -1 }),
				expect.objectContaining({ param: "lang", msg: "invalid value", value: "de" }),
			]),
		});
	});

	it("says an amount with a fraction of a cent has at most two decimals, not that it is out of range", async () => {
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference: "CENTS-1", amount: 10.001 },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "amount", msg: "at most two decimals", value: 10.001 }],
		});
	});

	it("refuses an unknown Flexiti client with 404", async () => {
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { client_id: "someone-else", reference: "X", amount: 1 },
		});
		expect(response.status).toBe(404);
		expect(error).toMatchObject({ error: "unknown_client" });
	});

	it("gives the same order's checkout again with a new token, and refuses another amount", async () => {
		const first = await openCheckout(100, "ORDER-SAME");
		const again = await openCheckout(100, "ORDER-SAME");
		expect(again.checkout_id).toBe(first.checkout_id);
		expect(again.client_token).not.toBe(first.client_token);
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", {
			body: { reference: "ORDER-SAME", amount: 101 },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "checkout_conflict" });
	});

	it("created again: another auto_capture is refused by name, the shopper's new language is taken (not silently kept)", async () => {
		// Found by an outside probe: both came back 201 with the first request's values.
		const reference = `ORDER-${crypto.randomUUID().slice(0, 8)}`;
		const api = edgeApi(MERCHANT_KEY);
		const first = await api.POST("/v1/checkouts", { body: { reference, amount: 50, lang: "en", auto_capture: false } });
		expect(first.response.status).toBe(201);
		const capturing = await api.POST("/v1/checkouts", { body: { reference, amount: 50, auto_capture: true } });
		expect(capturing.response.status).toBe(409);
		expect(capturing.error).toMatchObject({
			error: "checkout_conflict",
			message: expect.stringContaining("auto_capture false"),
		});
		const french = await api.POST("/v1/checkouts", { body: { reference, amount: 50, lang: "fr" } });
		expect(french.response.status).toBe(201);
		expect(french.data).toMatchObject({ checkout_id: first.data?.checkout_id, lang: "fr", auto_capture: false });
	});
});

describe("GET /v1/checkouts/{id}", () => {
	it("lets the merchant and the checkout's own shopper read it", async () => {
		const checkout = await openCheckout();
		const path = "/v1/checkouts/{checkout_id}" as const;
		const params = { path: { checkout_id: checkout.checkout_id } };
		expect((await edgeApi(MERCHANT_KEY).GET(path, { params })).data).toMatchObject({ reference: checkout.reference });
		expect((await edgeApi(checkout.client_token).GET(path, { params })).data).toMatchObject({ status: "open" });
	});

	it("refuses checkout A's token on checkout B", async () => {
		const a = await openCheckout();
		const b = await openCheckout();
		const { response, error } = await edgeApi(a.client_token).GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: b.checkout_id } },
		});
		expect(response.status).toBe(403);
		expect(error).toMatchObject({ error: "checkout_mismatch" });
	});

	it("refuses a forged client token for a real checkout", async () => {
		const checkout = await openCheckout();
		const forged = `cst_${checkout.checkout_id}_${"A".repeat(43)}`;
		const { response } = await edgeApi(forged).GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(response.status).toBe(401);
	});
});

describe("POST /v1/checkouts/{id}/token", () => {
	it("hands the shopper the checkout's own customer-scope token, the same one on every call", async () => {
		const checkout = await openCheckout();
		const api = edgeApi(checkout.client_token);
		const params = { params: { path: { checkout_id: checkout.checkout_id } } };
		const first = await api.POST("/v1/checkouts/{checkout_id}/token", params);
		const second = await api.POST("/v1/checkouts/{checkout_id}/token", params);
		expect(first.data).toMatchObject({ token_type: "bearer", scope: "customer" });
		expect(first.data?.expires_in).toBeGreaterThan(1100);
		expect(second.data?.access_token).toBe(first.data?.access_token);
		expect(first.response.headers.get("cache-control")).toBe("no-store");
		const mints = await sandboxCalls("createToken");
		expect(mints.map((m) => m.scope)).toEqual(["customer"]);
	});

	it("gives each checkout its own customer token", async () => {
		const tokenOf = async () => {
			const checkout = await openCheckout();
			const { data } = await edgeApi(checkout.client_token).POST("/v1/checkouts/{checkout_id}/token", {
				params: { path: { checkout_id: checkout.checkout_id } },
			});
			return data?.access_token;
		};
		expect(await tokenOf()).not.toBe(await tokenOf());
	});

	it("refreshes the checkout's customer token ahead of expiry, with its refresh token, inside the order", async () => {
		await sandbox("PATCH", "/sandbox/settings", { token_ttl_seconds: 200 }); // inside the 5-minute refresh window
		const checkout = await openCheckout();
		const api = edgeApi(checkout.client_token);
		const params = { params: { path: { checkout_id: checkout.checkout_id } } };
		const first = await api.POST("/v1/checkouts/{checkout_id}/token", params);
		const second = await api.POST("/v1/checkouts/{checkout_id}/token", params);
		expect(second.data?.access_token).not.toBe(first.data?.access_token);
		expect((await sandboxCalls("createToken")).map((c) => [c.scope, c.grant_type])).toEqual([
			["customer", "client_credentials"],
			["customer", "refresh_token"],
		]);
	});

	it("never mints for a merchant key: it is known but not the shopper's, 403 checkout_only (not 401, which says the key is wrong)", async () => {
		const checkout = await openCheckout();
		const { response, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts/{checkout_id}/token", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(response.status).toBe(403);
		expect(error).toMatchObject({ error: "checkout_only" });
		expect(await sandboxCalls("createToken")).toEqual([]);
	});
});
