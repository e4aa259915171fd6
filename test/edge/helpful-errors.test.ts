/**
 * Error answers that a new user met and could not act on (issue 19, item 6): each now says what is
 * wrong and what to do. The amount's decimals are in checkouts.test.ts and test/sandbox/validation.test.ts.
 * Webhook bodies are the platform payloads of test/fixtures/shopify.ts (sources cited there); they are
 * refused before they are read, so only their shape as a real delivery matters.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { shopifyFulfilledOrder, wooOrder } from "../fixtures/shopify.ts";
import {
	CLIENT_ID,
	EDGE,
	edgeFetch,
	flexitiViaEdge,
	forwardedCalls,
	MERCHANT_KEY,
	resetSandbox,
	sandboxCalls,
} from "./support.ts";

beforeEach(resetSandbox);

const merchant = () => ({ authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" });

describe("a Flexiti path at the wrong version", () => {
	it.each([
		// authorization moved to 2.5.1; capture stayed at 2.5
		["POST", "/v2.5/client-id/flexitidemo/authorization", "/flexiti/v2.5.1/client-id/flexitidemo/authorization"],
		[
			"POST",
			"/v2.5.1/client-id/flexitidemo/authorization/1234567/capture",
			"/flexiti/v2.5/client-id/flexitidemo/authorization/1234567/capture",
		],
		// no version at all
		["GET", "/client-id/flexitidemo/captures", "/flexiti/v2.5.1/client-id/flexitidemo/captures"],
	])("%s %s is a 404 that names where the operation is", async (method, path, there) => {
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti${path}`, { method, headers: merchant(), body: method === "POST" ? "{}" : null }),
		);
		expect(response.status).toBe(404);
		const body = (await response.json()) as { error: string; message: string };
		expect(body.error).toBe("not_found");
		expect(body.message).toBe(`No Flexiti operation ${method} ${path}: this operation is at ${there}`);
		expect(await forwardedCalls()).toEqual([]);
	});

	it("names nothing when no version has such an operation", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/flexitidemo/nowhere`, { headers: merchant() }),
		);
		expect(response.status).toBe(404);
		expect(await response.json()).toMatchObject({
			error: "not_found",
			message: "No Flexiti operation GET /v2.5/client-id/flexitidemo/nowhere",
		});
	});
});

describe("an error passed through from Flexiti", () => {
	it("names in url the edge path the caller called, not Flexiti's own", async () => {
		const { response, error } = await flexitiViaEdge(MERCHANT_KEY).POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture",
			{ params: { path: { client_id: CLIENT_ID, authorization_id: 9999999 } }, body: { amount: 1 } },
		);
		expect(response.status).toBe(404);
		// Flexiti (the sandbox) answered it: this is its envelope, not one of the edge's own 404s.
		expect((await sandboxCalls("captureAuthorization")).map((call) => call.status)).toEqual([404]);
		expect(error).toMatchObject({
			error: "not_found",
			url: "/flexiti/v2.5/client-id/flexitidemo/authorization/9999999/capture",
		});
	});

	it("does so for an authorization answered through its order too", async () => {
		const { response, error } = await flexitiViaEdge(MERCHANT_KEY).POST("/v2.5.1/client-id/{client_id}/authorization", {
			params: { path: { client_id: CLIENT_ID } },
			body: {
				account_number: 19999999999999,
				amount: 10,
				auto_capture: false,
				reference: `ERR-${crypto.randomUUID().slice(0, 8)}`,
				financing_option: { transaction_type: "regular_purchase" },
			},
		});
		expect(response.status).toBe(404);
		expect((await sandboxCalls("createAuthorization")).map((call) => call.status)).toEqual([404]);
		expect(error).toMatchObject({ error: "not_found", url: "/flexiti/v2.5.1/client-id/flexitidemo/authorization" });
	});
});

describe("a webhook without its signature header", () => {
	const json = (payload: unknown) => JSON.stringify(payload);
	it.each([
		[
			"Shopify",
			"/v1/webhooks/shopify",
			{ "x-shopify-topic": "orders/fulfilled", "x-shopify-webhook-id": crypto.randomUUID() },
			json(shopifyFulfilledOrder(1, "10.00")),
			"The x-shopify-hmac-sha256 header is missing",
		],
		[
			"WooCommerce",
			"/v1/webhooks/woocommerce",
			{ "x-wc-webhook-topic": "order.updated", "x-wc-webhook-delivery-id": "1" },
			json(wooOrder(1, "completed", "10.00")),
			"The x-wc-webhook-signature header is missing",
		],
		[
			"Standard Webhooks",
			"/v1/webhooks/standard",
			{ "webhook-id": "msg_1", "webhook-timestamp": String(Math.floor(Date.now() / 1000)) },
			json({ type: "order.cancelled", timestamp: new Date().toISOString(), data: { reference: "X" } }),
			"Standard Webhooks: the webhook-signature header is missing",
		],
	])("from %s says the header is missing", async (_, path, headers, body, said) => {
		const response = await edgeFetch(
			new Request(`${EDGE}${path}`, {
				method: "POST",
				headers: { "content-type": "application/json", ...headers },
				body,
			}),
		);
		expect(response.status).toBe(401);
		const answer = (await response.json()) as { error: string; message: string };
		expect(answer.error).toBe("invalid_signature");
		expect(answer.message.startsWith(said)).toBe(true);
		expect(answer.message).not.toContain("does not match");
	});

	it("names every Standard Webhooks header that is missing", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/v1/webhooks/standard`, {
				method: "POST",
				headers: { "content-type": "application/json" },
				body: "{}",
			}),
		);
		expect(await response.json()).toMatchObject({
			error: "invalid_signature",
			message: "Standard Webhooks: the webhook-id, webhook-timestamp, webhook-signature headers are missing",
		});
	});
});
