/**
 * JSON without rounding ids. Flexiti's ids are JSON integers of up to 16 digits (`AuthorizationId`,
 * `ReturnId` in the specs), and past 2^53 a JavaScript number rounds: `JSON.parse` reads
 * 9007199254740993 as 9007199254740992, which is another authorization. So whoever reads Flexiti's
 * JSON (the edge, the sandbox, the typed clients) reads an integer past 2^53 as a `bigint`, from its
 * source text (JSON.parse source text access), and writes a `bigint` back as the same digits
 * (`JSON.rawJSON`); the specs type such ids `number | bigint` (scripts/generate.ts). Integers within
 * 2^53 stay numbers, so nothing changes for the ids seen today.
 */

/** A `JSON.parse` reviver with the source text of each primitive (JSON.parse source text access). */
export type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

/** `JSON.rawJSON` (ES2026; V8 since 11.4: workerd, Node 21+, Chromium 114+), absent from TypeScript's lib. */
const rawJSON = (JSON as unknown as { rawJSON?: (text: string) => unknown }).rawJSON;
/** `JSON.isRawJSON`, its companion: whether a value is a `JSON.rawJSON` object, whose text is `rawJSON`. */
const isRawJSON = (JSON as unknown as { isRawJSON?: (value: unknown) => value is { rawJSON: string } }).isRawJSON;

const keepBigIntegers: Reviver = (_key, value, context) => exactBigInteger(value, context?.source) ?? value;

/**
 * The integer past 2^53 a parsed JSON number is, exactly, from its source text; undefined for any other
 * number (within 2^53, a fraction) or when the engine gave no source. The one reading of such an
 * integer, for Flexiti's JSON here and for the signed webhook bodies (edge/routes/webhooks/signed-json.ts).
 */
export function exactBigInteger(value: unknown, source: string | undefined): bigint | undefined {
	if (typeof value !== "number" || Number.isSafeInteger(value) || source === undefined) return undefined;
	// Plain digits, as an integer past 2^53 is usually written.
	if (/^-?[0-9]+$/.test(source)) return BigInt(source);
	// Another spelling of one (`…993.0`, `…993e0`, `9.007199254740993e15`). A fraction stays a number, and so
	// does a number past the range of doubles (`1e400`, which `JSON.parse` reads as Infinity): otherwise a
	// few characters with an exponent would make a bigint of as many digits as they say (`1e99999999`).
	return Math.abs(value) > Number.MAX_SAFE_INTEGER && Number.isFinite(value) ? exactInteger(source) : undefined;
}

/**
 * A JSON number's parts: sign, integer digits, fraction digits, exponent (RFC 8259 §6: no leading
 * zeros, no `+`, no bare point). Also the grammar a query or header number must follow (validate-request.ts).
 */
export const JSON_NUMBER = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/;

/**
 * The integer a JSON number's text is, exactly, or undefined when it has a fractional part. JSON Schema
 * 2020-12 (the specs' dialect) calls a number with a zero fractional part an integer, and Flexiti's ids
 * are number(n): `9007199254740993.0`, `9007199254740993e0`, `90071992547409930e-1` and
 * `9.007199254740993e15` are all the integer 9007199254740993, which `JSON.parse` reads as
 * 9007199254740992 whichever way it is written. Only called for a number within the range of doubles
 * (at most 309 digits before its point).
 */
export function exactInteger(text: string): bigint | undefined {
	const parts = JSON_NUMBER.exec(text);
	if (!parts) return undefined;
	const [, sign = "", whole = "", fraction = "", exponent = "0"] = parts;
	const digits = whole + fraction;
	// Where the decimal point falls in `digits` once the exponent has moved it.
	const point = whole.length + Number(exponent);
	if (point >= digits.length) return BigInt(`${sign}${digits}${"0".repeat(point - digits.length)}`);
	if (/[1-9]/.test(digits.slice(Math.max(point, 0)))) return undefined;
	return BigInt(`${sign}${point > 0 ? digits.slice(0, point) : "0"}`);
}

/**
 * `JSON.parse`, with integers past 2^53 as `bigint`s, whichever way the JSON spells them (where the
 * engine gives the source text).
 */
export function parseJson(text: string): unknown {
	return JSON.parse(text, keepBigIntegers as Parameters<typeof JSON.parse>[1]);
}

/** Request bodies read by `parseRequestJson` that hold a number kept as its text. */
const bodiesWithNumbersAsText = new WeakSet<object>();

/**
 * `parseJson` for a request body, which validation judges before anything else reads it. A number no
 * JavaScript value holds exactly is kept as its own text (`JSON.rawJSON`): a fraction past 2^53
 * (`9007199254740993.5`, which `JSON.parse` reads as 9007199254740994, an integer), a number past the
 * range of doubles (`1e400`, Infinity), and one with more digits than a double keeps (`12.0000000000000001`,
 * which `JSON.parse` reads as 12). A refusal quotes it as it was sent, and nothing sends it on rounded:
 * validation judges it as the nearest double on its side of what was sent (so `12.0000000000000001` has
 * more than two decimals, and a bound it passes by a hair is passed), or, past 2^53, as past every bound
 * (validate-request.ts), and refuses it either way.
 */
export function parseRequestJson(text: string): unknown {
	const keepExactNumbers: Reviver = (key, value, context) => {
		// An object or array holding a number kept as text, however deep, is marked (see holdsNumbersAsText).
		if (value !== null && typeof value === "object") {
			if (holdsNumberKeptAsText(value)) bodiesWithNumbersAsText.add(value);
			return value;
		}
		const read = keepBigIntegers(key, value, context);
		if (typeof read !== "number" || !rawJSON || context?.source === undefined) return read;
		if (Math.abs(read) <= Number.MAX_SAFE_INTEGER && compareDecimals(context.source, String(read)) === 0) return read;
		return rawJSON(context.source);
	};
	return JSON.parse(text, keepExactNumbers as Parameters<typeof JSON.parse>[1]);
}

/** Whether one of the value's own fields or items is a number kept as text, or an object marked as holding one. */
function holdsNumberKeptAsText(value: object): boolean {
	const fields = value as Record<string, unknown>;
	for (const key in fields) {
		const field = fields[key];
		if (field !== null && typeof field === "object" && (isRawJSON?.(field) || bodiesWithNumbersAsText.has(field)))
			return true;
	}
	return false;
}

/**
 * How two JSON number texts compare as the decimals they spell (−1, 0, 1), without rounding either:
 * `12.0000000000000001` is more than `12`, `1.50` is `1.5e0`. Exponents are compared as bigints, not
 * expanded, so `1e-99999999` costs what `1e-9` does. Texts that are not JSON numbers compare as 0.
 */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
	const x = decimal(a);
	const y = decimal(b);
	if (!x || !y) return 0;
	if (x.sign !== y.sign) return x.sign > y.sign ? 1 : -1;
	if (x.sign === 0) return 0;
	let magnitude: number = x.scale === y.scale ? 0 : x.scale > y.scale ? 1 : -1;
	if (magnitude === 0) {
		// Same scale: the digits, padded to one length, compare as text does.
		const length = Math.max(x.digits.length, y.digits.length);
		const [p, q] = [x.digits.padEnd(length, "0"), y.digits.padEnd(length, "0")];
		magnitude = p === q ? 0 : p > q ? 1 : -1;
	}
	return (magnitude * x.sign) as -1 | 0 | 1;
}

/**
 * A JSON number as sign, significant digits and scale: its value is 0.<digits> × 10^scale. The scale
 * is a bigint, so an exponent of any length is compared exactly; the zeros are counted in loops, not
 * by a regular expression (`/0+$/` is quadratic on a long run of zeros followed by another digit).
 */
function decimal(text: string): { sign: -1 | 0 | 1; digits: string; scale: bigint } | undefined {
	const parts = JSON_NUMBER.exec(text);
	if (!parts) return undefined;
	const [, minus = "", whole = "", fraction = "", exponent = "0"] = parts;
	const all = whole + fraction;
	let start = 0;
	while (start < all.length && all.charCodeAt(start) === 0x30) start++;
	let end = all.length;
	while (end > start && all.charCodeAt(end - 1) === 0x30) end--;
	if (start === end) return { sign: 0, digits: "", scale: 0n };
	return {
		sign: minus ? -1 : 1,
		digits: all.slice(start, end),
		scale: BigInt(whole.length - start) + BigInt(exponent),
	};
}

/**
 * Whether a request body holds a number `parseRequestJson` kept as its text (validation then judges it
 * so): the body itself, or a copy of it whose fields were spread into a new object (as the checkout
 * rules make), whose fields are the marked objects and kept numbers themselves.
 */
export function holdsNumbersAsText(body: unknown): boolean {
	if (body === null || typeof body !== "object") return false;
	return bodiesWithNumbersAsText.has(body) || isRawJSON?.(body) === true || holdsNumberKeptAsText(body);
}

/** The text of a number kept as its text (`parseRequestJson`); undefined for any other value. */
export function numberText(value: unknown): string | undefined {
	return isRawJSON?.(value) ? value.rawJSON : undefined;
}

/** A `bigint` as its digits in JSON (a JSON number, not a string). */
export function bigIntToJson(value: bigint): unknown {
	return rawJSON ? rawJSON(value.toString()) : Number(value);
}

/** `JSON.stringify`, writing `bigint`s as their digits. */
export function stringifyJson(value: unknown): string {
	return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? bigIntToJson(item) : item));
}

/**
 * JSON text of a value whose objects' keys are written in one order (sorted), whatever order they came
 * in: the same request, sent again by a client that builds its body otherwise, has the same text.
 */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_key, item: unknown) => {
		if (typeof item === "bigint") return bigIntToJson(item);
		if (item === null || typeof item !== "object" || Array.isArray(item) || numberText(item) !== undefined) return item;
		const sorted: Record<string, unknown> = {};
		for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
		return sorted;
	});
}

/**
 * Makes every `JSON.stringify` of this isolate (Hono's `c.json`, `Response.json`, the event bodies,
 * storage fingerprints) write a `bigint` as its digits rather than throw: called once at a Worker's
 * entry (the edge, the sandbox), instead of a replacer at each of its many answers. Not in the
 * storefront SDK, which must not change a merchant page's globals.
 */
export function writeBigIntsAsJsonNumbers(): void {
	const prototype = BigInt.prototype as unknown as { toJSON?: () => unknown };
	prototype.toJSON ??= function (this: bigint) {
		return bigIntToJson(this.valueOf());
	};
}

/**
 * Whether a schema is a 64-bit integer (an id) whose range reaches past Number.MAX_SAFE_INTEGER: the
 * one rule for where a `bigint` may be. The generator types such an id `number | bigint`
 * (scripts/generate.ts), and request validation admits an integer past 2^53 there and nowhere else
 * (validate-request.ts).
 */
export function mayPassSafeIntegers(schema: { type?: unknown; format?: unknown; maximum?: unknown }): boolean {
	return (
		schema.type === "integer" &&
		schema.format === "int64" &&
		!(typeof schema.maximum === "number" && schema.maximum <= Number.MAX_SAFE_INTEGER)
	);
}

/** A Flexiti id as JavaScript holds it without rounding: a number within 2^53, a `bigint` past it. */
export type FlexitiId = number | bigint;

/** An id's key in a map or a record: its decimal digits, whether it came as a number or a `bigint`. */
export function idKey(id: number | bigint | string): string {
	return typeof id === "string" ? BigInt(id).toString() : id.toString();
}

/** Up to 15 digits is always within 2^53 (9007199254740992 has 16): `Number` reads it exactly. */
const SHORT_INTEGER = /^-?[0-9]{1,15}$/;

/** An id as JavaScript holds it losslessly: a number within 2^53, a `bigint` past it. */
export function idOf(digits: string | bigint | number): FlexitiId {
	// Most ids (every account number) are short: no bigint is made to read them.
	if (typeof digits === "string" && SHORT_INTEGER.test(digits)) return Number(digits);
	const big = BigInt(digits);
	return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}
