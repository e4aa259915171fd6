/**
 * A signed webhook body as JSON, without losing digits: Shopify's ids are 64-bit integers, which
 * `JSON.parse` rounds to the nearest double (820982911946154508 → 820982911946154500), so an order
 * would not match its checkout and a refund's id would not deduplicate. Integers beyond
 * Number.MAX_SAFE_INTEGER are kept as their source text (JSON.parse source text access, in V8).
 */

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const keepBigIntegers: Reviver = (_key, value, context) =>
	typeof value === "number" &&
	!Number.isSafeInteger(value) &&
	context?.source !== undefined &&
	/^-?\d+$/.test(context.source)
		? context.source
		: value;

/** The body as JSON (big integers as strings), or undefined when it is not JSON. */
export function parseSignedJson(body: ArrayBuffer | string): unknown {
	const text = typeof body === "string" ? body : new TextDecoder().decode(body);
	try {
		return JSON.parse(text, keepBigIntegers as Parameters<typeof JSON.parse>[1]);
	} catch {
		return undefined;
	}
}
