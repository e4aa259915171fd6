import { env } from "cloudflare:workers";
import { describe, expect, expectTypeOf, it } from "vitest";
import { EdgeError } from "../../../functions/edge/core/errors.ts";
import {
	classify,
	type FlexitiResult,
	flexitiGateway,
	isAnswerTo,
	isFinalRefusal,
	outageAnswer,
	outcomeUnknown,
	refusalOf,
	succeeded,
	successBody,
	UnreadableAnswer,
	withIdempotencyKey,
} from "../../../functions/edge/flexiti/gateway.ts";
import type { components } from "../../../generated/flexiti-pos-api.ts";

// The gateway's decisions on their own: what each Flexiti answer means, what the edge answers for an
// outage, and which calls carry an idempotency key. The calls themselves are tested end to end
// against the sandbox (forwarding, authorization and webhook tests).

describe("classify: what a Flexiti answer means", () => {
	it.each([
		[200, undefined, "success"],
		[201, undefined, "success"],
		[401, { error: "invalid_token" }, "token_rejected"],
		[400, { error: "general_error" }, "caller_error"],
		[404, { error: "not_found" }, "caller_error"],
		[409, { error: "wrong_inputs" }, "caller_error"],
		[409, { error: "invalid_role" }, "caller_error"],
		[409, { error: "credit_exceeded" }, "business_refusal"],
		[409, { error: "authorization_ended" }, "business_refusal"],
		[409, "<html>firewall</html>", "business_refusal"],
		[408, undefined, "outage"],
		[429, undefined, "outage"],
		[500, undefined, "outage"],
		[503, undefined, "outage"],
	] as const)("%i %j is %s", (status, error, kind) => {
		expect(classify(status, error)).toBe(kind);
	});

	it("a final refusal is any 4xx but 401, 408 and 429: never sent again as it is", () => {
		for (let status = 400; status < 500; status++) {
			expect(isFinalRefusal(status)).toBe(![401, 408, 429].includes(status));
		}
		for (const status of [200, 302, 500, 502, 503, 504]) expect(isFinalRefusal(status)).toBe(false);
	});

	it("a 5xx or a 408 does not say whether Flexiti took the request; a 4xx or a 2xx does", () => {
		for (const status of [408, 500, 502, 503, 504]) expect(outcomeUnknown(status)).toBe(true);
		for (const status of [200, 400, 401, 409, 429]) expect(outcomeUnknown(status)).toBe(false);
	});
});

describe("refusalOf: what Flexiti's error envelope says", () => {
	it("reads the code and the message when they are strings, and nothing else", () => {
		expect(refusalOf({ error: "credit_exceeded", message: "Not enough credit", url: "/x" })).toEqual({
			code: "credit_exceeded",
			message: "Not enough credit",
		});
		expect(refusalOf({ error: 42, message: ["no"] })).toEqual({});
		expect(refusalOf("<html>firewall</html>")).toEqual({});
		expect(refusalOf(null)).toEqual({});
		expect(refusalOf([{ error: "wrong_inputs" }])).toEqual({});
	});
});

describe("outageAnswer: the edge's answer when Flexiti is down", () => {
	it("maps Flexiti's 500/502/503/504 and a failed connection or timeout to the edge's codes (502/503/504)", () => {
		const status = (outcome: Parameters<typeof outageAnswer>[0]) => {
			const outage = outageAnswer(outcome);
			return outage && { code: outage.code, status: new EdgeError(outage.code, outage.message).status };
		};
		expect(status(500)).toEqual({ status: 502, code: "upstream_error" });
		expect(status(502)).toEqual({ status: 502, code: "upstream_error" });
		expect(status(503)).toEqual({ status: 503, code: "upstream_unavailable" });
		expect(status(504)).toEqual({ status: 504, code: "upstream_timeout" });
		expect(status("upstream_timeout")).toEqual({ status: 504, code: "upstream_timeout" });
		expect(status("upstream_unreachable")).toEqual({ status: 502, code: "upstream_unreachable" });
	});

	it("passes every other answer on as Flexiti gave it (a 429 keeps its Retry-After)", () => {
		for (const status of [200, 400, 401, 404, 409, 429, 501]) expect(outageAnswer(status)).toBeUndefined();
	});
});

describe("withIdempotencyKey", () => {
	const reference = { "x-reference-id": "5f0c8f7e-6d1f-4b4e-9a3c-2b7d8e9f0a1b" };

	it("keeps the caller's key where the spec declares one", () => {
		const header = { ...reference, "x-idempotency-key": "merchant-key-1" };
		expect(withIdempotencyKey("captureAuthorization", header)).toEqual(header);
	});

	it("adds a new key where the spec declares one and none was given, a different one each call", () => {
		const first = withIdempotencyKey("captureAuthorization", reference)["x-idempotency-key"];
		const second = withIdempotencyKey("captureAuthorization", reference)["x-idempotency-key"];
		expect(first).toMatch(/^[0-9a-f-]{36}$/);
		expect(second).not.toBe(first);
	});

	it("adds none where Flexiti documents none (an authorization, a read)", () => {
		expect(withIdempotencyKey("createAuthorization", reference)).toEqual(reference);
		expect(withIdempotencyKey("listCaptures", reference)).toEqual(reference);
	});
});

describe("flexitiGateway", () => {
	it("is created once per environment, with its typed client", () => {
		const gateway = flexitiGateway(env);
		expect(flexitiGateway(env)).toBe(gateway);
		expect(typeof gateway.client.GET).toBe("function");
	});
});

describe("successBody: an answer's body, typed for its operation", () => {
	/** 2^53 + 1: a JavaScript number would read it as 2^53. */
	const BIG_ID = "9007199254740993";
	const answer = <Op extends FlexitiResult["operationId"]>(operationId: Op, status: number, text?: string) => ({
		operationId,
		response: new Response(text ?? null, { status }),
		...(status < 300 ? { text: text ?? "" } : { error: { error: "authorization_ended" } }),
		retriedWithFreshToken: false,
	});

	it("reads an authorization with an id past 2^53 as the exact bigint its type allows", () => {
		const result = answer(
			"getAuthorization",
			200,
			`{"authorization_id":${BIG_ID},"amount":120.5,"status":"opened","reference":"ORDER-1"}`,
		);
		if (!succeeded(result)) throw new Error("a 200 with a body succeeded");
		const authorization = successBody(result);
		expectTypeOf(authorization).toEqualTypeOf<components["schemas"]["Authorization"]>();
		expectTypeOf(authorization.authorization_id).toEqualTypeOf<number | bigint>();
		expect(authorization.authorization_id).toBe(BigInt(BIG_ID));
		expect(authorization.amount).toBe(120.5);
	});

	it("types a listing's items as that listing's", () => {
		const result = answer(
			"listCaptures",
			200,
			'{"items":[{"capture_id":7,"authorization_id":1,"date":"2026-12-02","amount":5}],"total":1,"page_number":1,"page_size":100}',
		);
		if (!succeeded(result)) throw new Error("a 200 with a body succeeded");
		const { items, total } = successBody(result);
		expectTypeOf(items).toEqualTypeOf<components["schemas"]["Capture"][]>();
		expect([items[0]?.capture_id, total]).toEqual([7, 1]);
	});

	it("narrows an answer of any operation to one operation's by its id", () => {
		const result: FlexitiResult = answer("initWidget", 200, '{"redirection_url":"https://widget.example/#/x"}');
		if (!succeeded(result)) throw new Error("a 200 with a body succeeded");
		expect(isAnswerTo(result, "captureAuthorization")).toBe(false);
		if (!isAnswerTo(result, "initWidget")) throw new Error("it answers initWidget");
		expect(successBody(result).redirection_url).toBe("https://widget.example/#/x");
	});

	it("has no success body for a refusal", () => {
		expect(succeeded(answer("captureAuthorization", 409))).toBe(false);
	});

	it("refuses a 2xx whose body is not JSON with an error that does not quote it", () => {
		const result = answer("getAuthorization", 200, "<html>secret-looking page</html>");
		if (!succeeded(result)) throw new Error("a 200 with a body succeeded");
		expect(() => successBody(result)).toThrow(UnreadableAnswer);
		expect(() => successBody(result)).toThrow("Flexiti's answer to getAuthorization is not JSON");
		expect(() => successBody(result)).not.toThrow(/secret/);
	});
});
