import { beforeEach, describe, expect, it } from "vitest";
import {
	CLIENT_ID,
	EDGE,
	edgeApi,
	edgeFetch,
	flexitiViaEdge,
	forwardedCalls,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";

const JANE = 10000000000001;
const client_id = CLIENT_ID;

beforeEach(resetSandbox);

/** The shopper's side of an online purchase, through the edge, up to a verified widget session. */
async function verifiedCheckout(amount = 249.99) {
	const checkout = await openCheckout(amount);
	const shopper = flexitiViaEdge(checkout.client_token);
	const init = await shopper.POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id } },
		body: { flow: "purchase", customer_identification: { account_number: JANE } },
	});
	expect(init.response.status).toBe(200);
	const url = new URL((init.data?.redirection_url ?? "").replace("#/", ""));
	const widgetSessionId = url.searchParams.get("widget_session_id") ?? "";
	const token = url.pathname.split("/").at(-1) ?? "";
	// What the widget page does when the shopper types the PIN.
	const verified = await sandbox("POST", `/widget-api/sessions/${widgetSessionId}/verify`, {
		access_token: token,
		pin: "2222",
	});
	expect(await verified.json()).toMatchObject({ event: "flx-success", eventData: { verified: true } });
	return { checkout, shopper, widgetSessionId };
}

const authorizationBody = {
	account_number: JANE,
	financing_option: { transaction_type: "promotional_purchase" as const, plan_id: 4, term: 3 },
};

describe("a shopper's checkout token", () => {
	it("runs an online purchase: widget, then authorization with the checkout's amount and reference", async () => {
		const { checkout, shopper, widgetSessionId } = await verifiedCheckout(249.99);
		const { data, error, response } = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			// amount, reference and auto_capture come from the checkout
			body: authorizationBody,
		});
		expect(error).toBeUndefined();
		expect(response.status).toBe(200);
		expect(data).toMatchObject({
			amount: 249.99,
			reference: checkout.reference,
			status: "opened",
			auto_capture: false,
		});

		const state = await edgeApi(MERCHANT_KEY).GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(state.data).toMatchObject({
			status: "authorized",
			widget_session_id: widgetSessionId,
			authorization_id: data?.authorization_id,
		});
		// Every call of the flow went upstream with this checkout's customer token and one flow reference id.
		const calls = await forwardedCalls();
		expect(calls.map((c) => [c.operation, c.scope])).toEqual([
			["initWidget", "customer"],
			["createAuthorization", "customer"],
		]);
		expect(new Set(calls.map((c) => c.reference_id)).size).toBe(1);
	});

	it("refuses an amount other than the checkout's before anything reaches Flexiti", async () => {
		const { shopper } = await verifiedCheckout(100);
		const { response, error } = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: { ...authorizationBody, amount: 5000, auto_capture: false },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs", field_errors: [{ param: "amount", value: 5000 }] });
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});

	it("refuses an auto_capture other than the checkout's (never silently replaced); the same value is fine", async () => {
		const { shopper } = await verifiedCheckout(100);
		const refused = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: { ...authorizationBody, auto_capture: true },
		});
		expect(refused.response.status).toBe(409);
		expect(refused.error).toMatchObject({
			error: "wrong_inputs",
			field_errors: [{ param: "auto_capture", value: true }],
		});
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
		const same = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: { ...authorizationBody, auto_capture: false },
		});
		expect(same.response.status).toBe(200);
		expect(same.data).toMatchObject({ amount: 100, auto_capture: false });
	});

	it("cannot call a merchant-only operation: capture → 403, and Flexiti saw no call", async () => {
		const checkout = await openCheckout();
		const { response, error } = await flexitiViaEdge(checkout.client_token).POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture",
			{ params: { path: { client_id, authorization_id: 1000001 } }, body: { amount: 1 } },
		);
		expect(response.status).toBe(403);
		expect(error).toMatchObject({ error: "insufficient_scope" });
		expect(await sandboxCalls("captureAuthorization")).toEqual([]);
	});

	it("cannot close an account or get an in-store PIN, though Flexiti's customer scope covers them", async () => {
		const checkout = await openCheckout();
		const shopper = flexitiViaEdge(checkout.client_token);
		const close = await shopper.POST("/v2.5/client-id/{client_id}/accounts/{account_number}/close", {
			params: { path: { client_id, account_number: 10000000000002 } },
		});
		const verify = await shopper.POST("/v2.5/client-id/{client_id}/account/{account_number}/verify", {
			params: { path: { client_id, account_number: 10000000000001 } },
			body: { format: "regular_purchase_bypass" },
		});
		expect([close.response.status, verify.response.status]).toEqual([403, 403]);
		expect(await forwardedCalls()).toEqual([]);
	});

	it("once the widget is for an account, cannot name another one", async () => {
		const { shopper } = await verifiedCheckout(100);
		const path = "/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest" as const;
		const other = await shopper.POST(path, {
			params: { path: { client_id, account_number: 10000000000005 } },
			body: { amount: 100 },
		});
		expect(other.response.status).toBe(403);
		expect(other.error).toMatchObject({ error: "account_mismatch" });
		const own = await shopper.POST(path, {
			params: { path: { client_id, account_number: JANE } },
			body: { amount: 100 },
		});
		expect(own.response.status).toBe(200);
	});

	it("authorizes a checkout once: a second attempt gets the first answer, and Flexiti sees it once", async () => {
		const { shopper } = await verifiedCheckout(80);
		const authorize = () =>
			shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
				params: { path: { client_id } },
				body: authorizationBody,
			});
		const first = await authorize();
		expect(first.response.status).toBe(200);
		const second = await authorize();
		expect(second.response.status).toBe(200);
		expect(second.data).toEqual(first.data);
		expect(await sandboxCalls("createAuthorization")).toHaveLength(1);
	});

	it("cannot act for another client id", async () => {
		const checkout = await openCheckout();
		const { response } = await flexitiViaEdge(checkout.client_token).GET(
			"/v2.5/client-id/{client_id}/terms-and-conditions",
			{
				params: { path: { client_id: "flexitidemo2" } },
			},
		);
		expect(response.status).toBe(403);
	});
});

describe("a merchant's API key", () => {
	it("forwards with a merchant-scope token, as the sandbox records", async () => {
		const { data, response } = await flexitiViaEdge(MERCHANT_KEY).GET("/v2.5/client-id/{client_id}/customers/lookup", {
			params: { path: { client_id }, query: { vcc_number: "5555000000000001" } },
		});
		expect(response.status).toBe(200);
		expect(data?.account_number).toBe(JANE);
		expect((await sandboxCalls("lookupCustomer")).map((c) => c.scope)).toEqual(["merchant"]);
	});

	it("HEAD of a forwarded GET answers as the GET does, without its body (it was a 404: no operation HEAD)", async () => {
		const url = `${EDGE}/flexiti/v2.5/client-id/${client_id}/i18n?lang=en`;
		const headers = { authorization: `Bearer ${MERCHANT_KEY}` };
		const get = await edgeFetch(new Request(url, { headers }));
		const head = await edgeFetch(new Request(url, { method: "HEAD", headers }));
		expect(get.status).toBe(200);
		expect(head.status).toBe(200);
		expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
		expect(await head.text()).toBe("");
		const post = await edgeFetch(new Request(url.replace("i18n", "authorization"), { method: "HEAD", headers }));
		expect(post.status).toBe(404);
	});

	it("captures in the back office what a shopper authorized", async () => {
		const { shopper } = await verifiedCheckout(300);
		const authorization = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: authorizationBody,
		});
		const capture = await flexitiViaEdge(MERCHANT_KEY).POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture",
			{
				params: { path: { client_id, authorization_id: authorization.data?.authorization_id ?? 0 } },
				body: { amount: 300 },
			},
		);
		expect(capture.error).toBeUndefined();
		expect(capture.data).toMatchObject({ amount: 300, authorization_status: "closed" });
		const [call] = await sandboxCalls("captureAuthorization");
		expect(call?.scope).toBe("merchant");
		expect(call?.idempotency_key).toMatch(/^[0-9a-f-]{36}$/); // the edge adds one
	});
});

describe("a merchant's idempotency key", () => {
	it("reused for another body is flagged by Flexiti (the edge sends the body's x-context-hash), not answered with the first capture; the same body is the first answer again", async () => {
		// An outside probe: a capture of 20 under the key of a capture of 10 was answered 200 with the capture of 10.
		const { shopper } = await verifiedCheckout(300);
		const authorization = await shopper.POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id } },
			body: authorizationBody,
		});
		// The body as the till writes it: the same fields may come in another order on a retry.
		const capture = async (body: string) => {
			const url = `${EDGE}/flexiti/v2.5/client-id/${client_id}/authorization/${authorization.data?.authorization_id}/capture`;
			const headers = {
				authorization: `Bearer ${MERCHANT_KEY}`,
				"content-type": "application/json",
				"x-idempotency-key": "till-7-sale-42",
			};
			const response = await edgeFetch(new Request(url, { method: "POST", headers, body }));
			return { status: response.status, body: (await response.json()) as { capture_id?: number; amount?: number } };
		};
		const first = await capture('{"amount":10,"reference":"SALE-42"}');
		expect(first.body).toMatchObject({ amount: 10 });
		const again = await capture('{"reference":"SALE-42","amount":10}');
		expect([again.status, again.body.capture_id]).toEqual([200, first.body.capture_id]);
		const other = await capture('{"amount":20,"reference":"SALE-42"}');
		expect(other.status).toBe(409);
		const calls = await sandboxCalls("captureAuthorization");
		expect(calls.map((call) => [call.idempotency_key, call.status])).toEqual([
			["till-7-sale-42", 200],
			["till-7-sale-42", 200],
			["till-7-sale-42", 409],
		]);
	});
});

describe("matching and validation, before anything goes upstream", () => {
	it.each([
		["an unknown path", "GET", "/flexiti/v2.5/client-id/flexitidemo/nowhere"],
		["a known path with the wrong method", "DELETE", "/flexiti/v2.5.1/client-id/flexitidemo/captures"],
		["Flexiti's token endpoint", "POST", "/flexiti/v2.5/oauth/token"],
	])("answers 404 in Flexiti's envelope for %s", async (_, method, path) => {
		const response = await edgeFetch(
			new Request(`${EDGE}${path}`, { method, headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
		);
		expect(response.status).toBe(404);
		expect(await response.json()).toMatchObject({ error: "not_found", url: path });
	});

	it("answers 404 for a client id that is not configured", async () => {
		const { response, error } = await flexitiViaEdge(MERCHANT_KEY).GET(
			"/v2.5/client-id/{client_id}/terms-and-conditions",
			{
				params: { path: { client_id: "not-ours" } },
			},
		);
		expect(response.status).toBe(404);
		expect(error).toMatchObject({ error: "unknown_client" });
	});

	it.each([
		[
			"capture without amount",
			"POST",
			"/v2.5/client-id/flexitidemo/authorization/1000001/capture",
			{ reference: "R" },
			"amount",
		],
		[
			"verify with an unknown format",
			"POST",
			"/v2.5/client-id/flexitidemo/account/10000000000001/verify",
			{ format: "pigeon" },
			"format",
		],
		[
			"refund with a string amount",
			"POST",
			"/v2.5/client-id/flexitidemo/accounts/10000000000001/refund",
			{ capture_id: 1, amount: "10.00" },
			"amount",
		],
		[
			"search without a date of birth",
			"GET",
			"/v2.5/client-id/flexitidemo/customers/search?first_name=J&last_name=D",
			undefined,
			"dob",
		],
	])(
		"refuses %s with 409 wrong_inputs naming the field; upstream is not called",
		async (_, method, path, body, field) => {
			const response = await edgeFetch(
				new Request(`${EDGE}/flexiti${path}`, {
					method,
					headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
					...(body ? { body: JSON.stringify(body) } : {}),
				}),
			);
			expect(response.status).toBe(409);
			const envelope = (await response.json()) as { error: string; field_errors: { param: string }[] };
			expect(envelope.error).toBe("wrong_inputs");
			expect(envelope.field_errors.map((f) => f.param)).toContain(field);
			expect(await forwardedCalls()).toEqual([]);
		},
	);
});

describe("x-reference-id", () => {
	const terms = "/v2.5/client-id/{client_id}/terms-and-conditions" as const;

	it("keeps a caller's GUID, upstream and in the response", async () => {
		const referenceId = crypto.randomUUID();
		const { response } = await flexitiViaEdge(MERCHANT_KEY).GET(terms, {
			params: { path: { client_id }, header: { "x-reference-id": referenceId } },
		});
		expect(response.headers.get("x-reference-id")).toBe(referenceId);
		expect((await sandboxCalls("getTermsAndConditions"))[0]?.reference_id).toBe(referenceId);
	});

	it("replaces one that is not a GUID with a new one", async () => {
		const { response } = await flexitiViaEdge(MERCHANT_KEY).GET(terms, {
			params: { path: { client_id }, header: { "x-reference-id": "not-a-guid" } },
		});
		expect(response.status).toBe(200);
		expect(response.headers.get("x-reference-id")).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("is on the edge's refusal of a call once the call has one, and on no refusal before", async () => {
		const referenceId = crypto.randomUUID();
		const refused = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5.1/client-id/${client_id}/accounts/10000000000001/calculate-interest`, {
				method: "POST",
				headers: {
					authorization: `Bearer ${MERCHANT_KEY}`,
					"content-type": "application/json",
					"x-reference-id": referenceId,
				},
				body: JSON.stringify({ amount: "a lot" }),
			}),
		);
		expect(refused.status).toBe(409);
		expect(refused.headers.get("x-reference-id")).toBe(referenceId);
		expect(await sandboxCalls("calculateInterest")).toEqual([]);

		const unknownClient = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/nobody/terms-and-conditions`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}`, "x-reference-id": referenceId },
			}),
		);
		expect(unknownClient.status).toBe(404);
		expect(unknownClient.headers.get("x-reference-id")).toBeNull();
	});
});

describe("CORS", () => {
	it("grants a configured storefront origin on the shopper routes, with preflight", async () => {
		const preflight = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/flexitidemo/widget/init`, {
				method: "OPTIONS",
				headers: {
					origin: "https://shop.example",
					"access-control-request-method": "POST",
					"access-control-request-headers": "authorization,content-type",
				},
			}),
		);
		expect(preflight.status).toBe(204);
		expect(preflight.headers.get("access-control-allow-origin")).toBe("https://shop.example");
		expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
	});

	it("grants nothing to a foreign origin", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/flexitidemo/terms-and-conditions`, {
				headers: { origin: "https://evil.example", authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(response.headers.get("access-control-allow-origin")).toBeNull();
	});

	it("grants nothing on the merchant-only route that opens checkouts", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/v1/checkouts`, {
				method: "OPTIONS",
				headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
			}),
		);
		expect(response.headers.get("access-control-allow-origin")).toBeNull();
	});
});
