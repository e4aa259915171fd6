import { describe, expect, it } from "vitest";
import { operationRequest, readAnswer } from "../../../functions/edge/flexiti/operation-request.ts";

/** An answer as the gateway's exchange hands it over: the response, its body's bytes read. */
async function answered(response: Response) {
	return readAnswer({ response, body: response.body === null ? null : await response.arrayBuffer() });
}

// The request the gateway sends for an operation of the table, and how it reads Flexiti's answer: the
// wire format openapi-fetch produced before (the forwarding tests check it end to end, against the
// sandbox; these check the corners the sandbox does not reach).

const BASE = "https://flexiti.example/flexiti/pos-api";
const REFERENCE = "0b5e2f5e-8f0a-4c39-9d1e-2f9a3c1b7d10";

describe("operationRequest", () => {
	it("fills the table's path, percent-encoding each parameter, and adds the query only when there is one", () => {
		const plain = operationRequest(
			BASE,
			"getTermsAndConditions",
			{ params: { client_id: "flexitidemo" }, header: { "x-reference-id": REFERENCE } },
			"access",
		);
		expect(plain.url).toBe(`${BASE}/v2.5/client-id/flexitidemo/terms-and-conditions`);
		expect(plain.method).toBe("GET");
		expect(plain.body).toBeNull();
		expect(plain.headers.get("content-type")).toBeNull();

		const odd = operationRequest(
			BASE,
			"getTermsAndConditions",
			{ params: { client_id: "a b/c?d" }, query: { lang: "fr", note: "x&y=z" }, header: {} },
			"access",
		);
		expect(odd.url).toBe(`${BASE}/v2.5/client-id/a%20b%2Fc%3Fd/terms-and-conditions?lang=fr&note=x%26y%3Dz`);
	});

	it("carries the call's headers, the bearer token, and a reference id when the call has none", () => {
		const request = operationRequest(
			BASE,
			"getTermsAndConditions",
			{ params: { client_id: "flexitidemo" }, header: { "x-reference-id": REFERENCE, "x-context-hash": "h1" } },
			"the-access-token",
		);
		expect(request.headers.get("authorization")).toBe("Bearer the-access-token");
		expect(request.headers.get("x-reference-id")).toBe(REFERENCE);
		expect(request.headers.get("x-context-hash")).toBe("h1");

		const unnamed = operationRequest(BASE, "getTermsAndConditions", { params: { client_id: "c" }, header: {} }, "t");
		expect(unnamed.headers.get("x-reference-id")).toMatch(
			/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
		);
	});

	it("reads the call's header names in any letter case, as Headers does: one reference id, one token", () => {
		const request = operationRequest(
			BASE,
			"getTermsAndConditions",
			{ params: { client_id: "c" }, header: { "X-Reference-Id": REFERENCE, Authorization: "Bearer the-caller's" } },
			"the-access-token",
		);
		expect(request.headers.get("x-reference-id")).toBe(REFERENCE);
		expect(request.headers.get("authorization")).toBe("Bearer the-access-token");
	});

	it("sends a body as JSON, an id past 2^53 as its exact digits", async () => {
		const request = operationRequest(
			BASE,
			"calculateInterest",
			{
				params: { client_id: "flexitidemo", account_number: "10000000000001" },
				header: { "x-reference-id": REFERENCE },
				body: { amount: 234.45, id: 9007199254740993n },
			},
			"t",
		);
		expect(request.method).toBe("POST");
		expect(request.url).toBe(`${BASE}/v2.5.1/client-id/flexitidemo/accounts/10000000000001/calculate-interest`);
		expect(request.headers.get("content-type")).toBe("application/json");
		expect(await request.text()).toBe('{"amount":234.45,"id":9007199254740993}');
	});
});

describe("readAnswer", () => {
	it("keeps a success's text as Flexiti sent it, and an empty one as empty", async () => {
		expect((await answered(new Response('{"a":1}', { status: 200 }))).text).toBe('{"a":1}');
		expect((await answered(new Response(null, { status: 204 }))).text).toBe("");
	});

	it("decodes the bytes as Response.text() does: a byte order mark dropped, bad UTF-8 replaced", async () => {
		const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d, 0xc3, 0xa9]);
		const text = (await answered(new Response(bytes, { status: 200 }))).text;
		expect(text).toBe(await new Response(bytes).text());
		expect(text).toBe('{"\uFFFD":1}é');
	});

	it("parses an error envelope, keeps an error that is not JSON as text, and reads nothing from an empty one", async () => {
		const envelope = await answered(Response.json({ error: "wrong_inputs" }, { status: 409 }));
		expect(envelope.error).toEqual({ error: "wrong_inputs" });
		expect(envelope.text).toBeUndefined();
		const page = await answered(new Response("<html>firewall</html>", { status: 403 }));
		expect(page.error).toBe("<html>firewall</html>");
		const empty = await answered(new Response(null, { status: 503, headers: { "content-length": "0" } }));
		expect(empty.error).toBeUndefined();
		expect(empty.response.status).toBe(503);
	});
});
