/**
 * A request body's integer past 2^53 is never rounded: the one body reader (read-json-body.ts) keeps
 * it exact, as a bigint, and validation (validate-request.ts) refuses it "out of range" quoting every
 * digit, except where the spec declares an id that may pass 2^53 (`type: integer`, `format: int64`, no
 * maximum within 2^53: the rule that also types it `number | bigint`), where it is carried as it is.
 * Every number else is bounded to ±(2^53 − 1), RFC 8259 §6's range every JSON reader holds exactly.
 */
import { describe, expect, it } from "vitest";
import {
	compareDecimals,
	exactInteger,
	numberText,
	parseJson,
	stringifyJson,
} from "../../functions/contract/lossless-json.ts";
import type { RequestSchema } from "../../functions/contract/operation-types.ts";
import { readJsonBody } from "../../functions/contract/read-json-body.ts";
import { validateRequest } from "../../functions/contract/validate-request.ts";
import { edgeRequestSchemas } from "../../generated/edge-request-schemas.ts";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";

/** 2^53 + 1: `JSON.parse` reads it as 2^53. */
const BIG = "9007199254740993";

async function read(text: string): Promise<unknown> {
	const parsed = await readJsonBody(
		new Request("https://edge.test/", { method: "POST", headers: { "content-type": "application/json" }, body: text }),
		"expected",
	);
	if (!parsed.ok) throw new Error(JSON.stringify(parsed.fieldError));
	return parsed.body;
}

function parts(body: unknown, path: Record<string, string> = {}) {
	return { path, query: new URLSearchParams(), headers: new Headers({ "x-reference-id": crypto.randomUUID() }), body };
}

/** An operation whose only input is a JSON object body with these properties. */
function objectBody(properties: Record<string, unknown>): RequestSchema {
	return {
		parameters: [],
		body: { contentType: "application/json", required: true, schema: { type: "object", properties } },
	};
}

describe("the request body reader", () => {
	it("keeps an integer past 2^53 exact, as a bigint, in any position; shorter numbers stay numbers", async () => {
		expect(JSON.parse(BIG)).toBe(9007199254740992); // the premise
		expect(
			await read(`{"a":${BIG},"b":[-${BIG},1.5],"c":{"d":12345678901234567890},"e":"${BIG}","f":9007199254740991}`),
		).toEqual({
			a: BigInt(BIG),
			b: [-BigInt(BIG), 1.5],
			c: { d: 12345678901234567890n },
			e: BIG,
			f: Number.MAX_SAFE_INTEGER,
		});
	});
});

/**
 * The same integer past 2^53 in other JSON spellings: JSON Schema 2020-12 calls a number with a zero
 * fractional part an integer, so each is 2^53 + 1, which `JSON.parse` reads as 2^53.
 */
const SPELLINGS = [
	BIG,
	`${BIG}.0`,
	`${BIG}.000`,
	`${BIG}e0`,
	`${BIG}E+0`,
	`${BIG}0e-1`,
	`${BIG}00E-2`,
	"9.007199254740993e15",
	"9.0071992547409930E+15",
	"0.9007199254740993e16",
];

describe("every JSON spelling of an integer", () => {
	it("is that integer, exactly; a fractional part that is not zero is none", () => {
		const cases: [string, bigint | undefined][] = [
			["0", 0n],
			["-0.0e5", 0n],
			["1.0", 1n],
			["100e-2", 1n],
			["1.50e1", 15n],
			["0.5e1", 5n],
			["5e-1", undefined],
			["1.05e1", undefined],
			["9007199254740993.5", undefined],
			["-9.007199254740993e15", -BigInt(BIG)],
			["12345678901234567890e-1", 1234567890123456789n],
			["1e30", 10n ** 30n],
			["1.5", undefined],
			["not a number", undefined],
		];
		for (const [text, integer] of cases) expect([text, exactInteger(text)]).toEqual([text, integer]);
		for (const spelling of SPELLINGS) expect([spelling, exactInteger(spelling)]).toEqual([spelling, BigInt(BIG)]);
	});

	it("past 2^53 reads as one bigint, in a request body and in an answer", async () => {
		for (const spelling of SPELLINGS) {
			expect(JSON.parse(spelling)).toBe(9007199254740992); // the premise
			expect(await read(`{"a":${spelling},"b":[-${spelling}]}`)).toEqual({ a: BigInt(BIG), b: [-BigInt(BIG)] });
			expect(parseJson(`{"authorization_id":${spelling}}`)).toEqual({ authorization_id: BigInt(BIG) });
		}
		expect(await read('{"a":1.0e3,"b":9007199254740991.0,"c":1e300}')).toEqual({
			a: 1000,
			b: Number.MAX_SAFE_INTEGER,
			c: 10n ** 300n,
		});
	});

	it("a request body's fraction past 2^53, or number past the range of doubles, is kept as its text; an answer's is read as JSON.parse reads it", async () => {
		const text = '{"d":9007199254740993.5,"e":[1e400,-1.5E999],"f":1.5,"g":9007199254740993}';
		expect(JSON.parse(text)).toMatchObject({ d: 9007199254740994, e: [Infinity, -Infinity] }); // the premise
		const body = (await read(text)) as Record<string, unknown>;
		expect(numberText(body.d)).toBe("9007199254740993.5");
		expect((body.e as unknown[]).map(numberText)).toEqual(["1e400", "-1.5E999"]);
		expect([body.f, body.g]).toEqual([1.5, BigInt(BIG)]);
		// Written back as it came.
		expect(stringifyJson(body)).toBe(text);
		expect(parseJson(text)).toEqual({ d: 9007199254740994, e: [Infinity, -Infinity], f: 1.5, g: BigInt(BIG) });
	});
});

describe("validation of a body with an integer past 2^53", () => {
	it("refuses a bounded id, quoting the exact bigint", async () => {
		const body = await read(`{"capture_id":${BIG},"amount":10}`);
		const path = { client_id: "flexitidemo", account_number: "28930123456" };
		expect(validateRequest(flexitiRequestSchemas.refundAccount, parts(body, path), { closed: true })).toEqual({
			ok: false,
			fieldErrors: [{ param: "capture_id", msg: "out of range", value: BigInt(BIG) }],
		});
	});

	it("refuses one where the spec sets no maximum, at 2^53 and past it; 2^53 − 1 passes", async () => {
		const schema = flexitiRequestSchemas.createAuthorization;
		const authorization = (plan: string) =>
			read(
				`{"account_number":10000000000001,"amount":100,"auto_capture":false,"financing_option":{"transaction_type":"promotional_purchase","plan_id":${plan},"term":12}}`,
			);
		for (const plan of [BIG, "9007199254740992", "1e300"]) {
			const result = validateRequest(schema, parts(await authorization(plan), { client_id: "flexitidemo" }));
			expect(result.ok ? [] : result.fieldErrors.map((e) => [e.param, e.msg])).toEqual([
				["financing_option.plan_id", "out of range"],
			]);
		}
		const safe = validateRequest(schema, parts(await authorization("9007199254740991"), { client_id: "flexitidemo" }));
		expect(safe.ok).toBe(true);
	});

	it("refuses one in a number (an amount) and quotes it in the edge's own operations too", async () => {
		expect(
			validateRequest(edgeRequestSchemas.createCheckout, parts(await read(`{"reference":"W-1","amount":${BIG}}`))),
		).toEqual({ ok: false, fieldErrors: [{ param: "amount", msg: "out of range", value: BigInt(BIG) }] });
		for (const amount of [`${BIG}.5`, "-9007199254740993.25", "1e400"]) {
			const refused = validateRequest(
				edgeRequestSchemas.createCheckout,
				parts(await read(`{"reference":"W-1","amount":${amount}}`)),
			);
			expect(refused.ok ? [] : refused.fieldErrors.map((e) => [e.param, e.msg, stringifyJson(e.value)])).toEqual([
				["amount", "out of range", amount],
			]);
		}
	});

	it("carries it, exact, where the spec declares an id that may pass 2^53", async () => {
		const schema = objectBody({ id: { type: "integer", format: "int64", minimum: 1 }, count: { type: "integer" } });
		for (const spelling of SPELLINGS) {
			const body = await read(`{"id":${spelling},"count":3}`);
			const validated = validateRequest(schema, parts(body), { closed: true });
			expect(validated).toEqual({ ok: true, value: { query: {}, body: { id: BigInt(BIG), count: 3 } } });
			// Sent on as the plain digits, whichever spelling came.
			expect(validated.ok && stringifyJson(validated.value.body)).toBe(`{"id":${BIG},"count":3}`);
		}
		// A fraction past 2^53 is no id (`JSON.parse` reads 9007199254740994, which would pass); nor is a number
		// past the doubles'. Refused as sent.
		for (const fraction of [`${BIG}.5`, "9.0071992547409935e15", "1e400"]) {
			const notAnId = validateRequest(schema, parts(await read(`{"id":${fraction}}`)), { closed: true });
			expect(notAnId.ok ? [] : notAnId.fieldErrors.map((e) => [e.param, e.msg, stringifyJson(e.value)])).toEqual([
				["id", "out of range", fraction],
			]);
		}
		for (const spelling of SPELLINGS) {
			const tooBig = await read(`{"id":1,"count":${spelling}}`);
			expect(validateRequest(schema, parts(tooBig), { closed: true })).toEqual({
				ok: false,
				fieldErrors: [{ param: "count", msg: "out of range", value: BigInt(BIG) }],
			});
		}
	});
});

/**
 * A number within the range of a double sent with more digits than a double keeps: `JSON.parse` reads
 * `12.0000000000000001` as 12, a valid amount, which is not what was sent. The reader keeps its text,
 * validation judges it as the double next to the rounded one on the side of what was sent, and the
 * refusal quotes it as sent. A number a double holds as written (`0.1`, `1.50`, `1e-7`,
 * `0.30000000000000004`, a long run of zeros) is read as `JSON.parse` reads it.
 */
describe("a number with more digits than a double keeps", () => {
	const checkout = (amount: string) =>
		read(`{"reference":"W-1","amount":${amount}}`).then((body) =>
			validateRequest(edgeRequestSchemas.createCheckout, parts(body)),
		);
	const refusals = (result: ReturnType<typeof validateRequest>) =>
		result.ok ? [] : result.fieldErrors.map((e) => [e.param, e.msg, stringifyJson(e.value)]);

	it("is read as its text; the numbers a double holds as written are read as numbers", async () => {
		for (const text of [
			"12.0000000000000001",
			"11.9999999999999999",
			"3.14159265358979323846",
			"1e-400",
			"-0.10000000000000000001",
		]) {
			expect(compareDecimals(text, String(JSON.parse(text)))).not.toBe(0); // the premise: JSON.parse loses digits
			const body = (await read(`{"n":${text}}`)) as Record<string, unknown>;
			expect(numberText(body.n)).toBe(text);
		}
		for (const text of [
			"0.1",
			"1.50",
			"1e-7",
			"1.5E+2",
			"0.30000000000000004",
			"0.0000000000000001",
			"-0",
			"123456789012345",
		]) {
			expect(await read(`{"n":${text}}`)).toEqual({ n: JSON.parse(text) });
		}
	});

	it("as an amount: refused for its decimals, quoted as sent", async () => {
		for (const amount of ["12.0000000000000001", "11.9999999999999999", "0.0100000000000000001"]) {
			expect(refusals(await checkout(amount))).toEqual([["amount", "at most two decimals", amount]]);
		}
		expect((await checkout("12")).ok).toBe(true);
	});

	it("past a bound by a hair: out of range, though JSON.parse reads it as the bound", async () => {
		const schema = objectBody({ n: { type: "number", minimum: -12, maximum: 12 } });
		const judge = async (text: string) => refusals(validateRequest(schema, parts(await read(`{"n":${text}}`))));
		expect(await judge("12")).toEqual([]);
		expect(await judge("-12")).toEqual([]);
		for (const text of ["12.0000000000000001", "-12.0000000000000001"]) {
			expect(JSON.parse(text)).toBe(Math.sign(JSON.parse(text)) * 12); // the premise
			expect(await judge(text)).toEqual([["n", "out of range", text]]);
		}
		// Within the bound by a hair: a valid number, but not the one sent.
		expect(await judge("11.9999999999999999")).toEqual([
			["n", "more digits than a number holds exactly", "11.9999999999999999"],
		]);
	});

	it("where its schema would let it pass, refused all the same, quoted as sent", async () => {
		const schema = objectBody({
			ratio: { type: "number", minimum: 0, maximum: 10 },
			list: { type: "array", items: { type: "number", minimum: 0, maximum: 10 } },
		});
		const body = await read('{"ratio":3.14159265358979323846,"list":[1,2.00000000000000000001]}');
		const result = validateRequest(schema, parts(body), { closed: true });
		expect(refusals(result)).toEqual([
			["ratio", "more digits than a number holds exactly", "3.14159265358979323846"],
			["list[1]", "more digits than a number holds exactly", "2.00000000000000000001"],
		]);
		expect(validateRequest(schema, parts(await read('{"ratio":3.141592653589793}')), { closed: true }).ok).toBe(true);
	});

	// A guard on the work's growth, not a measurement: done in a few milliseconds, where a regular
	// expression stripping the trailing zeros took 3.8 s (quadratic in the run of zeros).
	it("a 64 KiB number (a long run of zeros, then a digit) is read and refused at once, as any other", {
		timeout: 2000,
	}, async () => {
		const amount = `0.1${"0".repeat(64 * 1024)}1`;
		expect(refusals(await checkout(amount))).toEqual([["amount", "at most two decimals", amount]]);
	});

	it("a copy of the body (checkout rules spread its fields) is judged as the body is", async () => {
		const body = (await read('{"reference":"W-1","amount":12.0000000000000001}')) as Record<string, unknown>;
		const copy = { ...body, reference: "W-2" };
		expect(refusals(validateRequest(edgeRequestSchemas.createCheckout, parts(copy)))).toEqual([
			["amount", "at most two decimals", "12.0000000000000001"],
		]);
		const nested = (await read('{"sku":{"items":[{"n":1.00000000000000001}]},"k":1}')) as Record<string, unknown>;
		const schema = objectBody({
			sku: { type: "object", properties: { items: { type: "array", items: { type: "object" } } } },
			k: { type: "number" },
		});
		expect(refusals(validateRequest(schema, parts({ ...nested, k: 2 })))).toEqual([
			["sku.items[0].n", "more digits than a number holds exactly", "1.00000000000000001"],
		]);
	});

	it("one error per field, named as the validator names it (a key of digits as an index)", async () => {
		const schema = objectBody({ m: { type: "object", additionalProperties: { type: "number", maximum: 1 } } });
		const body = await read('{"m":{"0":1.00000000000000001,"a":0.50000000000000000001}}');
		expect(refusals(validateRequest(schema, parts(body)))).toEqual([
			["m[0]", "out of range", "1.00000000000000001"],
			["m.a", "more digits than a number holds exactly", "0.50000000000000000001"],
		]);
	});

	it("a body that is only such a number is refused quoting it", async () => {
		const result = validateRequest(edgeRequestSchemas.createCheckout, parts(await read("12.0000000000000001")));
		expect(refusals(result)).toEqual([["body", "wrong type", "12.0000000000000001"]]);
	});

	it("compares decimals as written, whatever their exponent", () => {
		expect(compareDecimals("12.0000000000000001", "12")).toBe(1);
		expect(compareDecimals("-12.0000000000000001", "-12")).toBe(-1);
		expect(compareDecimals("1.50", "15e-1")).toBe(0);
		expect(compareDecimals("0", "-0.000")).toBe(0);
		expect(compareDecimals("1e-99999999", "0")).toBe(1);
		expect(compareDecimals("9.99", "10")).toBe(-1);
		expect(compareDecimals("100", "99.999999999999999999")).toBe(1);
		// Exponents past a double's range or precision still compare exactly.
		expect(compareDecimals(`1e${"9".repeat(400)}`, `2e${"9".repeat(400)}`)).toBe(-1);
		expect(compareDecimals("1e-9007199254740993", "1e-9007199254740992")).toBe(-1);
		expect(compareDecimals(`5e${"9".repeat(400)}`, "5")).toBe(1);
	});
});
