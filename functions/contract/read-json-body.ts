import type { FieldError } from "./errors.ts";
import { jsonMediaTypeProblem } from "./json-media-type.ts";
import { parseRequestJson } from "./lossless-json.ts";

export type ParsedBody = { ok: true; body: unknown } | { ok: false; fieldError: FieldError };

/**
 * How deep a JSON body may nest. The deepest request in either spec is 4 levels (authorization →
 * sku_data → products → product); a body nested deeper is not a request, and parsers and validators
 * recurse once per level, so it is refused before anything parses it.
 */
export const MAX_JSON_DEPTH = 32;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `JSON.parse` rounds an integer past 2^53 (9007199254740993 → 9007199254740992), and every number
 * past 2^53 is written with at least 16 digits before its point (2^53 + 1 has 16) or with an exponent
 * (`9.007199254740993e15`), whose `e` follows a digit: a body with neither parses exactly without the
 * lossless reader's per-value reviver.
 */
const MAY_PASS_2_POW_53 = /[0-9]{16}|[0-9][eE]/;

/**
 * Reads an operation's JSON body (its size is already capped by the route's body limit). An empty
 * body is "no body", which validation then judges; anything else must be JSON as
 * `jsonMediaTypeProblem` says, UTF-8 without a byte order mark, nested at most `MAX_JSON_DEPTH`
 * levels, its integers past 2^53 exact (bigints) — each refusal a field error in Flexiti's terms, naming the field (`content-type` or
 * `body`), never an exception.
 */
export async function readJsonBody(request: Request, expectsBody: boolean): Promise<ParsedBody> {
	if (!expectsBody) return { ok: true, body: undefined };
	const bytes = new Uint8Array(await request.arrayBuffer());
	if (bytes.every(isJsonWhitespace)) return { ok: true, body: undefined };
	const mediaType = jsonMediaTypeProblem(request.headers.get("content-type"));
	if (mediaType) return refuse("content-type", mediaType, request.headers.get("content-type"));
	// Request.text() would drop a UTF-8 byte order mark silently; RFC 8259 §8.1 says a sender must not send one.
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
		return refuse("body", "must not start with a byte order mark");
	}
	let text: string;
	try {
		text = decoder.decode(bytes);
	} catch {
		return refuse("body", "must be UTF-8");
	}
	if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
		return refuse("body", `nested more than ${MAX_JSON_DEPTH} levels deep`);
	}
	try {
		// An integer past 2^53, however it is spelled (`…993`, `…993.0`, `9.007199254740993e15`), is read
		// exactly, as a bigint: validation then refuses it quoting every digit, or carries it where the spec
		// declares an id that may pass 2^53 (validate-request.ts); any other number past 2^53 is kept as its
		// text, which validation refuses. Read again, losslessly, only when it holds one: the lossless
		// reviver runs for every value, and most bodies with sixteen digits in a row (or a digit before an
		// `e`) have them in a string (a card number, a UUID).
		const body: unknown = JSON.parse(text);
		return {
			ok: true,
			body: MAY_PASS_2_POW_53.test(text) && holdsNumberPast2Pow53(body) ? parseRequestJson(text) : body,
		};
	} catch {
		return refuse("body", "invalid JSON");
	}
}

/** Whether a parsed body holds a number past 2^53 (which `JSON.parse` may have rounded). */
function holdsNumberPast2Pow53(value: unknown): boolean {
	if (typeof value === "number") return Math.abs(value) > Number.MAX_SAFE_INTEGER;
	if (value === null || typeof value !== "object") return false;
	const fields = value as Record<string, unknown>;
	for (const key in fields) if (holdsNumberPast2Pow53(fields[key])) return true;
	return false;
}

function refuse(param: string, msg: string, value: string | null = null): ParsedBody {
	return { ok: false, fieldError: { param, msg, value } };
}

function isJsonWhitespace(byte: number): boolean {
	return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** True when arrays and objects open more than `max` levels deep (brackets inside strings do not count). */
function nestedDeeperThan(text: string, max: number): boolean {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const char = text.charCodeAt(i);
		if (inString) {
			if (char === 0x5c)
				i++; // a backslash escapes the next character
			else if (char === 0x22) inString = false;
		} else if (char === 0x22) inString = true;
		else if (char === 0x5b || char === 0x7b) {
			if (++depth > max) return true;
		} else if (char === 0x5d || char === 0x7d) depth--;
	}
	return false;
}
