/**
 * A signed webhook body as JSON, without losing digits: Shopify's ids are 64-bit integers, which
 * `JSON.parse` rounds to the nearest double (820982911946154508 → 820982911946154500), so an order
 * would not match its checkout and a refund's id would not deduplicate. Integers beyond
 * Number.MAX_SAFE_INTEGER are kept as strings of their digits (JSON.parse source text access, in V8).
 */

import { exactBigInteger, type Reviver } from "../../../contract/lossless-json.ts";
import { withLoneSurrogatesReplaced } from "../../../contract/read-json-body.ts";

// As its plain digits whichever way the JSON spells it (`820982911946154508.0`, `8.20982911946154508e17`):
// JSON Schema calls those the same integer, and an id must match its checkout and deduplicate as one.
const keepBigIntegers: Reviver = (_key, value, context) => exactBigInteger(value, context?.source)?.toString() ?? value;

/**
 * The body as JSON (big integers as strings), or undefined when it is not JSON. Half a surrogate pair
 * escaped in a string (`"\ud800"`, valid JSON but no Unicode text) is read as U+FFFD: a string
 * holding one throws in `encodeURIComponent` and in the schema validator's pointers.
 */
export function parseSignedJson(body: ArrayBuffer | string): unknown {
	const text = typeof body === "string" ? body : new TextDecoder().decode(body);
	try {
		return JSON.parse(withLoneSurrogatesReplaced(text), keepBigIntegers as Parameters<typeof JSON.parse>[1]);
	} catch {
		return undefined;
	}
}
