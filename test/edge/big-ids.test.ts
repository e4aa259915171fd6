/**
 * Flexiti's authorization ids are up to 16 digits (number(16)), so they can pass 2^53, past which a
 * JavaScript number rounds: `JSON.parse` reads 9007199254740993 as 9007199254740992, another
 * authorization. Issue 17 item 6: such an id goes through the sandbox, the edge (forwarder, order
 * ledger, webhooks, the order index) and the typed clients with every digit kept.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { orderOf, settle } from "./alarms.ts";
import {
	CLIENT_ID,
	EDGE,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";
import { authorizedOrder, settledLedger, standardWebhook } from "./webhooks-support.ts";

beforeEach(resetSandbox);

/** 2^53 + 1: the first integer a double cannot hold (it rounds to 2^53). */
const BIG_ID = "9007199254740993";
const client_id = CLIENT_ID;

/** The raw text of an edge answer, as a merchant's server in any language reads it. */
async function rawText(path: string): Promise<string> {
	const response = await edgeFetch(
		new Request(`${EDGE}${path}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
	);
	expect(response.status).toBe(200);
	return response.text();
}

describe("an authorization id past 2^53", () => {
	it("keeps every digit from the sandbox through the edge's forwarder, ledger, webhooks and index", async () => {
		expect(Number(BIG_ID).toString()).not.toBe(BIG_ID); // the premise: a JavaScript number would round it
		await sandbox("PATCH", "/sandbox/settings", { next_authorization_id: BIG_ID });
		const reference = `BIG-${crypto.randomUUID().slice(0, 8)}`;

		// The typed client reads it as a bigint, exact.
		const authorization = await authorizedOrder(reference, 200);
		expect(authorization.authorization_id).toBe(BigInt(BIG_ID));

		// And passes it on as it is: the path is the same digits (the sandbox knows no rounded id).
		const merchant = flexitiViaEdge(MERCHANT_KEY);
		const captured = await merchant.POST("/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture", {
			params: { path: { client_id, authorization_id: authorization.authorization_id } },
			body: { amount: 50 },
		});
		expect(captured.response.status).toBe(200);
		expect(captured.data?.authorization_id).toBe(BigInt(BIG_ID));

		// A webhook's capture: the order's ledger plans its call with the id it holds.
		expect((await standardWebhook("order.fulfilled", { reference, amount: 70 })).status).toBe(200);
		const ledger = await settledLedger(reference);
		expect(ledger.authorization?.authorization_id).toBe(BigInt(BIG_ID));
		expect(ledger.captures.map((c) => [c.amount, c.via])).toEqual([
			[50, "flexiti"],
			[70, "order_event"],
		]);
		expect(ledger.captured).toBe(120);

		// What a merchant's server reads: the digits, as a JSON number, in the order, its events and the checkout-less index.
		const order = await rawText(`/v1/orders/${reference}`);
		expect(order).toContain(`"authorization_id":${BIG_ID}`);
		expect(order).not.toContain(`"authorization_id":${Number(BIG_ID)}`);
		await settle(orderOf(reference)); // its row in the order index
		expect(await rawText(`/v1/orders?client_id=${client_id}`)).toContain(`"authorization_id":${BIG_ID}`);
		const atFlexiti = await rawText(`/flexiti/v2.5.1/client-id/${client_id}/authorization/${BIG_ID}`);
		expect(atFlexiti).toContain(`"authorization_id":${BIG_ID}`);
		expect(atFlexiti).toContain('"captured_amount":120');
	});

	it("is refused in a path when it is not digits (Number() would read 0x10 or 1e3)", async () => {
		for (const id of ["0x10", "1e3", "12.0"]) {
			const response = await edgeFetch(
				new Request(`${EDGE}/flexiti/v2.5.1/client-id/${client_id}/authorization/${id}`, {
					headers: { authorization: `Bearer ${MERCHANT_KEY}` },
				}),
			);
			expect(response.status).toBe(409);
			expect(await response.json()).toMatchObject({
				error: "wrong_inputs",
				field_errors: [{ param: "authorization_id", msg: "wrong type", value: id }],
			});
		}
	});
});

/**
 * The raw answer to a request body with an integer past 2^53, and the field error it must hold, as
 * text: `JSON.parse` would round the value the client reads back, so the check is on the digits sent.
 */
async function refusedBody(path: string, credential: string, body: string): Promise<string> {
	const response = await edgeFetch(
		new Request(`${EDGE}${path}`, {
			method: "POST",
			headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
			body,
		}),
	);
	const text = await response.text();
	expect(response.status, text).toBe(409);
	expect(text).toContain('"error":"wrong_inputs"');
	expect(text).not.toContain(String(Number(BIG_ID))); // the rounded value (9007199254740992), anywhere
	return text;
}

// Request bodies are read keeping an integer past 2^53 exact (a bigint), and validation bounds every
// number the spec does not declare an id that may pass 2^53 to ±(2^53 − 1): no request body declares
// one, so such a number is refused on every route that reads a body, quoting every digit, and is never
// sent on rounded. (Webhooks read their own bodies, keeping Shopify's 64-bit ids: platform-webhooks.test.ts.)
describe("an integer past 2^53 in a request body", () => {
	it("is refused quoting every digit when it is a bounded id (a refund's capture id), before anything goes upstream", async () => {
		const text = await refusedBody(
			`/flexiti/v2.5/client-id/${client_id}/accounts/28930123456/refund`,
			MERCHANT_KEY,
			`{"capture_id":${BIG_ID},"amount":10}`,
		);
		expect(text).toContain(`{"param":"capture_id","msg":"out of range","value":${BIG_ID}}`);
		expect(await sandboxCalls("refundAccount")).toEqual([]);
	});

	it("is refused where the spec sets no maximum (a plan id, a quantity deep in sku_data), where it was sent on rounded", async () => {
		const text = await refusedBody(
			`/flexiti/v2.5.1/client-id/${client_id}/authorization`,
			MERCHANT_KEY,
			JSON.stringify({
				account_number: 10000000000001,
				amount: 100,
				auto_capture: false,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 0, term: 12 },
				sku_data: { products: [{ sku_id: "CHAIR", quantity: 0, unit_price: 100, extended_price: 100 }] },
			})
				.replace('"plan_id":0', `"plan_id":${BIG_ID}`)
				.replace('"quantity":0', `"quantity":-${BIG_ID}`),
		);
		expect(text).toContain(`{"param":"financing_option.plan_id","msg":"out of range","value":${BIG_ID}}`);
		expect(text).toContain(`{"param":"sku_data.products[0].quantity","msg":"out of range","value":-${BIG_ID}}`);
		expect(await sandboxCalls("createAuthorization")).toEqual([]);
	});

	it("is refused on a shopper's call (the widget's account number), through the checkout's rules", async () => {
		const checkout = await openCheckout();
		const text = await refusedBody(
			`/flexiti/v2.5/client-id/${client_id}/widget/init`,
			checkout.client_token,
			`{"flow":"purchase","customer_identification":{"account_number":${BIG_ID}}}`,
		);
		expect(text).toContain(`{"param":"customer_identification.account_number","msg":"out of range","value":${BIG_ID}}`);
		expect(await sandboxCalls("initWidget")).toEqual([]);
	});

	it("is refused by the edge's own routes (a checkout's amount), and no checkout is opened", async () => {
		const reference = `BIG-${crypto.randomUUID().slice(0, 8)}`;
		const text = await refusedBody("/v1/checkouts", MERCHANT_KEY, `{"reference":"${reference}","amount":${BIG_ID}}`);
		expect(text).toContain(`{"param":"amount","msg":"out of range","value":${BIG_ID}}`);
		const order = await edgeFetch(
			new Request(`${EDGE}/v1/orders/${reference}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
		);
		expect(order.status).toBe(404);
	});
});

/**
 * The same integer past 2^53 in other JSON spellings. JSON Schema 2020-12 (the specs' dialect) calls a
 * number with a zero fractional part an integer, and Flexiti's ids are number(n), so `…993.0`, `…993e0`,
 * `…9930e-1` and `9.007199254740993e15` are all the id 9007199254740993: the edge reads each as that
 * integer, exactly, and answers each exactly as it answers the plain digits (where `JSON.parse` alone
 * gives 9007199254740992, which the refusal quoted).
 */
const SPELLINGS = [
	BIG_ID,
	`${BIG_ID}.0`,
	`${BIG_ID}.000`,
	`${BIG_ID}e0`,
	`${BIG_ID}E+0`,
	`${BIG_ID}0e-1`,
	"9.007199254740993e15",
	"0.9007199254740993E16",
];

describe("an integer past 2^53 in a request body, in any JSON spelling", () => {
	it.each(SPELLINGS)(
		"%s as a forwarded call's plan id is refused quoting every digit, nothing sent",
		async (spelling) => {
			const body = JSON.stringify({
				account_number: 10000000000001,
				amount: 100,
				auto_capture: false,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 0, term: 12 },
			}).replace('"plan_id":0', `"plan_id":${spelling}`);
			const text = await refusedBody(`/flexiti/v2.5.1/client-id/${client_id}/authorization`, MERCHANT_KEY, body);
			expect(text).toContain(`{"param":"financing_option.plan_id","msg":"out of range","value":${BIG_ID}}`);
			expect(await sandboxCalls("createAuthorization")).toEqual([]);
		},
	);

	it.each(SPELLINGS)(
		"%s as a plan id on POST /v1/checkouts is refused quoting every digit, no checkout opened",
		async (spelling) => {
			const reference = `BIG-${crypto.randomUUID().slice(0, 8)}`;
			const text = await refusedBody(
				"/v1/checkouts",
				MERCHANT_KEY,
				`{"reference":"${reference}","amount":10,"plan_id":${spelling}}`,
			);
			expect(text).toContain(`{"param":"plan_id","msg":"not allowed","value":${BIG_ID}}`);
			const order = await edgeFetch(
				new Request(`${EDGE}/v1/orders/${reference}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
			);
			expect(order.status).toBe(404);
		},
	);

	it.each(SPELLINGS)("%s as a checkout's amount is refused quoting every digit", async (spelling) => {
		const text = await refusedBody("/v1/checkouts", MERCHANT_KEY, `{"reference":"BIG-AMOUNT","amount":${spelling}}`);
		expect(text).toContain(`{"param":"amount","msg":"out of range","value":${BIG_ID}}`);
	});
});

/**
 * A number past 2^53 that is no integer (`9007199254740993.5`, which `JSON.parse` reads as the integer
 * 9007199254740994), or past the range of doubles (`1e400`, Infinity, which JSON writes as null): no
 * JavaScript number holds it, so the edge keeps its text and refuses it as it was sent.
 */
describe("a number past 2^53 that no JavaScript number holds, in a request body", () => {
	const NOT_HELD = [`${BIG_ID}.5`, "-9.0071992547409935e15", "1e400", "-1.5E999"];

	it.each(NOT_HELD)(
		"%s as a forwarded call's plan id is refused quoting it as sent, nothing sent",
		async (spelling) => {
			const body = JSON.stringify({
				account_number: 10000000000001,
				amount: 100,
				auto_capture: false,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 0, term: 12 },
			}).replace('"plan_id":0', `"plan_id":${spelling}`);
			const text = await refusedBody(`/flexiti/v2.5.1/client-id/${client_id}/authorization`, MERCHANT_KEY, body);
			expect(text).toContain(`{"param":"financing_option.plan_id","msg":"out of range","value":${spelling}}`);
			expect(await sandboxCalls("createAuthorization")).toEqual([]);
		},
	);

	it.each(NOT_HELD)("%s as a checkout's amount is refused quoting it as sent, no checkout opened", async (spelling) => {
		const reference = `BIG-${crypto.randomUUID().slice(0, 8)}`;
		const text = await refusedBody("/v1/checkouts", MERCHANT_KEY, `{"reference":"${reference}","amount":${spelling}}`);
		expect(text).toContain(`{"param":"amount","msg":"out of range","value":${spelling}}`);
		const order = await edgeFetch(
			new Request(`${EDGE}/v1/orders/${reference}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
		);
		expect(order.status).toBe(404);
	});
});

/**
 * A number within the range of a double, sent with more digits than a double keeps: `JSON.parse` reads
 * `100.000000000000000001` as 100, a valid amount that was not sent. The edge refuses it as it was sent
 * (an amount's decimals), and nothing reaches Flexiti or opens a checkout.
 */
describe("a number with more digits than a double keeps, in a request body", () => {
	const INEXACT = ["100.000000000000000001", "99.9999999999999999999", "1.000000000000000000000000000000001e2"];

	it.each(INEXACT)(
		"%s as a forwarded authorization's amount is refused quoting it as sent, nothing sent",
		async (spelling) => {
			const body = JSON.stringify({
				account_number: 10000000000001,
				amount: 0,
				auto_capture: false,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 1, term: 12 },
			}).replace('"amount":0', `"amount":${spelling}`);
			const text = await refusedBody(`/flexiti/v2.5.1/client-id/${client_id}/authorization`, MERCHANT_KEY, body);
			expect(text).toContain(`{"param":"amount","msg":"at most two decimals","value":${spelling}}`);
			expect(await sandboxCalls("createAuthorization")).toEqual([]);
		},
	);

	it.each(INEXACT)(
		"%s in a shopper's authorization (the checkout's rules copy the body) is refused quoting it as sent, nothing sent",
		async (spelling) => {
			const checkout = await openCheckout();
			const body = JSON.stringify({
				account_number: 10000000000001,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 1, term: 12 },
				sku_data: { transaction_total: 0 },
			}).replace('"transaction_total":0', `"transaction_total":${spelling}`);
			const text = await refusedBody(
				`/flexiti/v2.5.1/client-id/${client_id}/authorization`,
				checkout.client_token,
				body,
			);
			expect(text).toContain(`{"param":"sku_data.transaction_total","msg":"at most two decimals","value":${spelling}}`);
			expect(await sandboxCalls("createAuthorization")).toEqual([]);
		},
	);

	it.each(INEXACT)("%s as a checkout's amount is refused quoting it as sent, no checkout opened", async (spelling) => {
		const reference = `INEXACT-${crypto.randomUUID().slice(0, 8)}`;
		const text = await refusedBody("/v1/checkouts", MERCHANT_KEY, `{"reference":"${reference}","amount":${spelling}}`);
		expect(text).toContain(`{"param":"amount","msg":"at most two decimals","value":${spelling}}`);
		const order = await edgeFetch(
			new Request(`${EDGE}/v1/orders/${reference}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
		);
		expect(order.status).toBe(404);
	});
});
