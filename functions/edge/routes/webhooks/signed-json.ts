/**
 * A signed webhook body, read once its signature is checked over the bytes as they came. Its text is
 * what every request body's is (read-json-body.ts): UTF-8 without a byte order mark, else 400
 * `wrong_inputs` naming the body. Then the Standard event, the edge's own vocabulary, is read as any
 * request body is (`parseJsonText`: numbers exact, depth bounded), and Shopify's and WooCommerce's
 * payloads as their defensive readers expect them (payload-reader.ts): without losing digits, since
 * Shopify's ids are 64-bit integers, which `JSON.parse` rounds to the nearest double
 * (820982911946154508 → 820982911946154500), so an order would not match its checkout and a refund's id
 * would not deduplicate. There, integers beyond Number.MAX_SAFE_INTEGER are kept as strings of their
 * digits (JSON.parse source text access, in V8).
 */

import type { FieldError } from "../../../contract/errors.ts";
import { exactBigInteger, type Reviver } from "../../../contract/lossless-json.ts";
import { decodeJsonBytes, parseJsonText, withLoneSurrogatesReplaced } from "../../../contract/read-json-body.ts";
import { EdgeError } from "../../core/errors.ts";

/** A signed body the edge reads no request as: 400, as a webhook's refusals are, with the field error. */
function unreadableBody(fieldError: FieldError): EdgeError<"wrong_inputs"> {
	return new EdgeError("wrong_inputs", `The body is not JSON text the edge reads: ${fieldError.msg}`, {
		status: 400,
		fieldErrors: [fieldError],
	});
}

/** The text of a signed body whose signature was checked: UTF-8 without a byte order mark, else refused. */
export function signedText(body: ArrayBuffer): string {
	const decoded = decodeJsonBytes(new Uint8Array(body));
	if (!decoded.ok) throw unreadableBody(decoded.fieldError);
	return decoded.text;
}

/**
 * A Standard Webhooks event's JSON, read as every request body is, so that validation judges its
 * numbers as on every route (an integer past 2^53 quoted digit for digit, `12.0000000000000001` or
 * `1e400` quoted as sent, never rounded). One difference, as for every signed body: half a surrogate
 * pair escaped in a string is read as U+FFFD (`withLoneSurrogatesReplaced`), not refused.
 */
export function parseSignedEvent(text: string): unknown {
	const parsed = parseJsonText(withLoneSurrogatesReplaced(text));
	if (parsed.ok) return parsed.body;
	if (parsed.notJson) throw new EdgeError("invalid_json", "The body is not JSON");
	throw unreadableBody(parsed.fieldError);
}

// As its plain digits whichever way the JSON spells it (`820982911946154508.0`, `8.20982911946154508e17`):
// JSON Schema calls those the same integer, and an id must match its checkout and deduplicate as one.
const keepBigIntegers: Reviver = (_key, value, context) => exactBigInteger(value, context?.source)?.toString() ?? value;

/**
 * A Shopify or WooCommerce payload as JSON (big integers as strings), or undefined when it is not JSON.
 * Half a surrogate pair escaped in a string (`"\ud800"`, valid JSON but no Unicode text) is read as
 * U+FFFD: a string holding one throws in `encodeURIComponent` and in the schema validator's pointers.
 */
export function parseSignedJson(text: string): unknown {
	try {
		return JSON.parse(withLoneSurrogatesReplaced(text), keepBigIntegers as Parameters<typeof JSON.parse>[1]);
	} catch {
		return undefined;
	}
}
