/**
 * What a request may be before the edge reads it (issue 9, items 6 and 7): one JSON media type for
 * every route, bodies bounded in size and depth before parsing, strings bounded where Flexiti bounds
 * them, no undeclared property and no ambiguous query parameter forwarded. Whoever calls — a shopper
 * with a client token or a merchant with its key — a refused request gets a precise 4xx problem and
 * nothing reaches Flexiti (the sandbox's call log stays empty).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { LONE_SURROGATE, MAX_JSON_DEPTH } from "../../functions/contract/read-json-body.ts";
import { CLIENT_ID, EDGE, edgeFetch, forwardedCalls, MERCHANT_KEY, openCheckout, resetSandbox } from "./support.ts";

const JANE = 10000000000001;
const WIDGET = `${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/widget/init`;
const LOOKUP = `${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/customers/lookup`;
const AUTHORIZE = `${EDGE}/flexiti/v2.5.1/client-id/${CLIENT_ID}/authorization`;
const I18N = `${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/i18n`;
const widgetBody = { flow: "purchase", customer_identification: { account_number: JANE } };

beforeEach(resetSandbox);

function post(url: string, credential: string, body: BodyInit | null, contentType?: string): Promise<Response> {
	const headers: Record<string, string> = { authorization: `Bearer ${credential}` };
	if (contentType !== undefined) headers["content-type"] = contentType;
	return edgeFetch(new Request(url, { method: "POST", headers, body }));
}

async function fieldErrors(response: Response) {
	return ((await response.json()) as { field_errors?: { param: string; msg: string; value?: unknown }[] }).field_errors;
}

describe("callers: a shopper's client token and a merchant's key", () => {
	const callers = [
		{ who: "a shopper", credential: async () => (await openCheckout()).client_token },
		{ who: "a merchant", credential: async () => MERCHANT_KEY },
	];

	for (const { who, credential } of callers) {
		it(`${who}: 5,000 nested arrays are refused before parsing (409, field body), nothing forwarded`, async () => {
			const nested = `${"[".repeat(5000)}${"]".repeat(5000)}`;
			const body = `{"account_number":${JANE},"amount":10,"financing_option":${nested}}`;
			const response = await post(AUTHORIZE, await credential(), body, "application/json");
			expect(response.status).toBe(409);
			expect(await fieldErrors(response)).toEqual([
				{ param: "body", msg: `nested more than ${MAX_JSON_DEPTH} levels deep`, value: null },
			]);
			expect(await forwardedCalls()).toEqual([]);
		});

		it(`${who}: a 1 MiB string is refused by the body limit (413), nothing forwarded`, async () => {
			const body = JSON.stringify({ ...widgetBody, email: "a".repeat(1024 * 1024) });
			const response = await edgeFetch(
				new Request(WIDGET, {
					method: "POST",
					headers: { authorization: `Bearer ${await credential()}`, "content-type": "application/json" },
					body,
				}),
			);
			expect(response.status).toBe(413);
			expect(await response.json()).toMatchObject({ error: "payload_too_large" });
			expect(await forwardedCalls()).toEqual([]);
		});

		it(`${who}: a string over the spec's maxLength is refused (409 length), echoed only in part`, async () => {
			const description = "d".repeat(30_000);
			const body = {
				account_number: JANE,
				financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3 },
				sku_data: { products: [{ sku_id: "SKU-1", description }] },
			};
			const response = await post(AUTHORIZE, await credential(), JSON.stringify(body), "application/json");
			expect(response.status).toBe(409);
			const errors = await fieldErrors(response);
			const echoed = errors?.find((e) => e.param === "sku_data.products[0].description");
			expect(echoed).toMatchObject({ msg: "length" });
			expect(echoed?.value).toBe(`${"d".repeat(100)}…`);
			expect(await forwardedCalls()).toEqual([]);
		});
	}

	it("an undeclared body property is refused by name (409 not allowed), for a shopper and a merchant", async () => {
		const checkout = await openCheckout();
		const widget = { ...widgetBody, customer_identification: { account_number: JANE, pin: "2222" }, debug: true };
		const shopper = await post(WIDGET, checkout.client_token, JSON.stringify(widget), "application/json");
		expect(shopper.status).toBe(409);
		expect(await fieldErrors(shopper)).toEqual([
			{ param: "customer_identification.pin", msg: "not allowed", value: "2222" },
			{ param: "debug", msg: "not allowed", value: true },
		]);
		const authorization = {
			account_number: JANE,
			amount: 10,
			auto_capture: false,
			financing_option: { transaction_type: "promotional_purchase", plan_id: 4, term: 3, rate: 0 },
			debug: true,
		};
		const merchant = await post(AUTHORIZE, MERCHANT_KEY, JSON.stringify(authorization), "application/json");
		expect(merchant.status).toBe(409);
		expect(await fieldErrors(merchant)).toEqual([
			{ param: "financing_option.rate", msg: "not allowed", value: 0 },
			{ param: "debug", msg: "not allowed", value: true },
		]);
		const created = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			JSON.stringify({ reference: "WEB-closed", amount: 10, callback_url: "https://evil.example" }),
			"application/json",
		);
		expect(created.status).toBe(409);
		expect(await fieldErrors(created)).toEqual([
			{ param: "callback_url", msg: "not allowed", value: "https://evil.example" },
		]);
		expect(await forwardedCalls()).toEqual([]);
	});
});

describe("one media type rule for every route", () => {
	const accepted = [
		"application/json",
		"Application/JSON",
		"application/json; charset=utf-8",
		"APPLICATION/JSON;CHARSET=UTF-8",
		'application/json; charset="utf-8"',
	];
	const refused = [
		"application/jsonx",
		"application/json-patch+json",
		"application/json, text/plain",
		"application/json; charset=utf-16",
		"application/json; profile=x",
		"text/json",
		"text/plain",
		"application/x-www-form-urlencoded",
	];

	it("accepts application/json in any case, with charset=utf-8 at most", async () => {
		const checkout = await openCheckout();
		for (const contentType of accepted) {
			const response = await post(WIDGET, checkout.client_token, JSON.stringify(widgetBody), contentType);
			expect(response.status, contentType).toBe(200);
		}
	});

	it("refuses look-alikes, lists, other charsets and a missing type (409, field content-type), nothing forwarded", async () => {
		const checkout = await openCheckout();
		for (const contentType of [...refused, undefined]) {
			const response = await post(WIDGET, checkout.client_token, JSON.stringify(widgetBody), contentType);
			expect(response.status, String(contentType)).toBe(409);
			const [error] = (await fieldErrors(response)) ?? [];
			expect(error?.param, String(contentType)).toBe("content-type");
			expect(error?.msg).toMatch(/application\/json/);
		}
		expect(await forwardedCalls()).toEqual([]);
	});

	it("refuses a byte order mark and a UTF-16 body", async () => {
		const checkout = await openCheckout();
		const json = JSON.stringify(widgetBody);
		const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(json)]);
		const bom = await post(WIDGET, checkout.client_token, withBom, "application/json");
		expect(bom.status).toBe(409);
		expect(await fieldErrors(bom)).toEqual([
			{ param: "body", msg: "must not start with a byte order mark", value: null },
		]);
		const utf16 = new Uint8Array([0xff, 0xfe, ...[...json].flatMap((ch) => [ch.charCodeAt(0), 0])]);
		const sixteen = await post(WIDGET, checkout.client_token, utf16, "application/json");
		expect(sixteen.status).toBe(409);
		expect(await fieldErrors(sixteen)).toEqual([{ param: "body", msg: "must be UTF-8", value: null }]);
		expect(await forwardedCalls()).toEqual([]);
	});

	it("refuses half a surrogate pair escaped in a key or a value (409, field body), and lets a whole pair through", async () => {
		// `"\ud800"` is JSON syntax but no Unicode text: a key holding one had made the validator's pointer
		// to it throw (encodeURI), a 500.
		const loneMessage = { param: "body", msg: LONE_SURROGATE, value: null };
		const authorization = `{"account_number":${JANE},"amount":10,"financing_option":{"transaction_type":"promotional_purchase","plan_id":4,"term":3},`;
		const bodies = [
			`${authorization}"\\ud800":1}`, // a key: undeclared, so closed validation names it
			`${authorization}"x\\udfffy":1}`, // a low half alone
			`${authorization}"a":"\\ud83d\\u0041"}`, // a high half followed by something else
		];
		for (const caller of [MERCHANT_KEY, (await openCheckout()).client_token]) {
			for (const body of bodies) {
				const response = await post(AUTHORIZE, caller, body, "application/json");
				expect(response.status, body).toBe(409);
				expect(await fieldErrors(response), body).toEqual([loneMessage]);
			}
		}
		const reference = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			'{"reference":"WEB-\\udc00","amount":10}',
			"application/json",
		);
		expect(reference.status).toBe(409);
		expect(await fieldErrors(reference)).toEqual([loneMessage]);
		// An escaped backslash before `u` is no escape; a whole pair is a character like any other.
		const whole = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			'{"reference":"WEB-\\ud83d\\ude00-\\\\ud800","amount":10}',
			"application/json",
		);
		expect(whole.status).toBe(201);
		expect(((await whole.json()) as { reference: string }).reference).toBe("WEB-\u{1F600}-\\ud800");
		expect(await forwardedCalls()).toEqual([]);
	});

	it("POST /v1/checkouts honours it: form-encoded says the content type must be application/json", async () => {
		const form = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			"reference=WEB-form&amount=10",
			"application/x-www-form-urlencoded",
		);
		expect(form.status).toBe(409);
		expect(await fieldErrors(form)).toEqual([
			{
				param: "content-type",
				msg: "must be application/json (optionally with charset=utf-8)",
				value: "application/x-www-form-urlencoded",
			},
		]);
		const upper = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			JSON.stringify({ reference: "WEB-upper", amount: 10 }),
			"Application/Json; Charset=UTF-8",
		);
		expect(upper.status).toBe(201);
		const deep = await post(
			`${EDGE}/v1/checkouts`,
			MERCHANT_KEY,
			`{"reference":${"[".repeat(40)}${"]".repeat(40)}}`,
			"application/json",
		);
		expect(deep.status).toBe(409);
		expect(await fieldErrors(deep)).toEqual([
			{ param: "body", msg: `nested more than ${MAX_JSON_DEPTH} levels deep`, value: null },
		]);
	});
});

describe("query parameters", () => {
	it("a duplicated query parameter is refused, not validated by its first value", async () => {
		const checkout = await openCheckout();
		const shopper = await edgeFetch(
			new Request(`${I18N}?lang=en&lang=fr`, { headers: { authorization: `Bearer ${checkout.client_token}` } }),
		);
		expect(shopper.status).toBe(409);
		expect(await fieldErrors(shopper)).toEqual([{ param: "lang", msg: "given more than once", value: ["en", "fr"] }]);
		const merchant = await edgeFetch(
			new Request(`${LOOKUP}?account_number=${JANE}&account_number=10000000000002`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(merchant.status).toBe(409);
		expect(await fieldErrors(merchant)).toEqual([
			{ param: "account_number", msg: "given more than once", value: [String(JANE), "10000000000002"] },
		]);
		expect(await forwardedCalls()).toEqual([]);
	});

	it("an undeclared (misspelled) query parameter is refused by name, on /flexiti and the edge's own routes", async () => {
		// Found by an outside probe: `pagesize` was let be, and Flexiti's default page size silently applied.
		const merchant = (url: string) =>
			edgeFetch(new Request(url, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }));
		const captures = await merchant(
			`${EDGE}/flexiti/v2.5.1/client-id/${CLIENT_ID}/captures?account_number=${JANE}&pagesize=1`,
		);
		expect(captures.status).toBe(409);
		expect(await fieldErrors(captures)).toEqual([{ param: "pagesize", msg: "not allowed", value: "1" }]);
		const orders = await merchant(`${EDGE}/v1/orders?limit=1&limt=1&limt=2`);
		expect(orders.status).toBe(409);
		expect(await fieldErrors(orders)).toEqual([{ param: "limt", msg: "not allowed", value: "1" }]);
		const checkout = await openCheckout();
		const shopper = await edgeFetch(
			new Request(`${I18N}?lang=en&debug=1`, { headers: { authorization: `Bearer ${checkout.client_token}` } }),
		);
		expect(shopper.status).toBe(409);
		expect(await fieldErrors(shopper)).toEqual([{ param: "debug", msg: "not allowed", value: "1" }]);
		expect(await forwardedCalls()).toEqual([]);
		expect((await merchant(`${EDGE}/v1/orders?limit=1`)).status).toBe(200);
	});

	it("an integer in a query or a path is held to a body's rules: within 2^53 (an int64 id within int64), written as JSON writes it; nothing refused is forwarded", async () => {
		// An outside probe found page_size=2^53+1, 23-digit ids and `limit=05` accepted, and the sandbox paging
		// a client silently back to page 1.
		const merchant = (url: string) =>
			edgeFetch(new Request(url, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }));
		const flexiti = `${EDGE}/flexiti/v2.5.1/client-id/${CLIENT_ID}`;
		const refused: [string, string, string][] = [
			[`${flexiti}/authorizations?page_size=9007199254740993`, "page_size", "9007199254740993"],
			[`${flexiti}/authorizations?page_number=9007199254740993`, "page_number", "9007199254740993"],
			[`${flexiti}/authorizations?page_size=99999999999999999999`, "page_size", "99999999999999999999"],
			[`${flexiti}/captures?authorization_id=99999999999999999999999`, "authorization_id", "99999999999999999999999"],
			// One past int64's largest: as a double it equals 2^63, the bound (a review found it passing).
			[`${flexiti}/captures?authorization_id=9223372036854775808`, "authorization_id", "9223372036854775808"],
			[`${flexiti}/authorization/1${"0".repeat(60)}`, "authorization_id", `1${"0".repeat(60)}`],
			[`${flexiti}/authorizations?page_size=05`, "page_size", "05"],
			[`${EDGE}/v1/orders?limit=05`, "limit", "05"],
		];
		for (const [url, param, value] of refused) {
			const response = await merchant(url);
			expect(response.status, url).toBe(409);
			const errors = await fieldErrors(response);
			expect(
				errors?.map((e) => [e.param, e.value]),
				url,
			).toEqual([[param, value]]);
		}
		expect(await forwardedCalls()).toEqual([]);
		// An int64 id past 2^53 still goes through, as its digits.
		expect((await merchant(`${flexiti}/captures?authorization_id=9007199254740993`)).status).toBe(200);
		expect((await merchant(`${flexiti}/authorizations?page_size=10`)).status).toBe(200);
	});

	it("on the edge's own routes too: a ledger's client_id given twice is refused", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/v1/orders/WEB-1?client_id=${CLIENT_ID}&client_id=flexitidemo2`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(response.status).toBe(409);
		expect(await fieldErrors(response)).toEqual([
			{ param: "client_id", msg: "given more than once", value: [CLIENT_ID, "flexitidemo2"] },
		]);
	});
});

describe("a body where the operation takes none", () => {
	const TAKES_NONE = [{ param: "body", msg: "not allowed: this operation takes no body", value: null }];

	it("is refused (409, field body), whatever it holds, on the edge's own operations and forwarded ones; whitespace is no body", async () => {
		// An outside probe found any body (undeclared fields, invalid JSON, text/plain) silently ignored here.
		const checkout = await openCheckout();
		const calls: [string, string, string][] = [
			[`${EDGE}/flexiti/v2.5/client-id/${CLIENT_ID}/accounts/${JANE}/close`, MERCHANT_KEY, "closeAccount"],
			[`${EDGE}/v1/orders/NO-SUCH-ORDER/deliveries/d-1/redeliver`, MERCHANT_KEY, "redeliver"],
			[`${EDGE}/v1/orders/NO-SUCH-ORDER/events/e-1/replay`, MERCHANT_KEY, "replay"],
			[`${EDGE}/v1/checkouts/${checkout.checkout_id}/token`, checkout.client_token, "token"],
		];
		for (const [url, credential, name] of calls) {
			for (const [body, type] of [
				['{"amount":1000}', "application/json"],
				["{not json", "application/json"],
				["amount=1000", "text/plain"],
				[`${"[".repeat(100)}${"]".repeat(100)}`, "application/json"],
			] as const) {
				const response = await post(url, credential, body, type);
				expect(response.status, `${name} ${body.slice(0, 12)}`).toBe(409);
				expect(await fieldErrors(response), name).toEqual(TAKES_NONE);
			}
		}
		expect(await forwardedCalls()).toEqual([]);
		for (const [url, credential, name] of calls) {
			const blank = await post(url, credential, " \n\t", "application/json");
			expect(blank.status, `${name} whitespace`).not.toBe(413);
			expect(await fieldErrors(blank), `${name} whitespace`).not.toEqual(TAKES_NONE);
		}
	});
});
