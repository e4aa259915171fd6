import type { FieldError } from "./errors.ts";
import { jsonMediaTypeProblem } from "./json-media-type.ts";
import { parseRequestJson } from "./lossless-json.ts";

export type ParsedBody =
	| { ok: true; body: unknown }
	/** `notJson`: the text is no JSON at all (a signed webhook answers that with its own code). */
	| { ok: false; fieldError: FieldError; notJson?: true };

export type DecodedBody = { ok: true; text: string } | { ok: false; fieldError: FieldError };

/**
 * How deep a JSON body may nest. The deepest request in either spec is 4 levels (authorization →
 * sku_data → products → product); a body nested deeper is not a request, and parsers and validators
 * recurse once per level, so it is refused before anything parses it.
 */
export const MAX_JSON_DEPTH = 32;

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A double keeps 15 to 17 significant digits: a JSON number written with at most 15 digits and no
 * exponent is read exactly by `JSON.parse` (an integer past 2^53 has 16 digits or more, and so has any
 * number a double does not hold: `12.0000000000000001`). So the lossless reader (a reviver call per
 * value) reads a body only when a number in it, outside strings, has 16 digits or an exponent.
 */
const DIGITS_A_DOUBLE_ALWAYS_KEEPS = 15;

/**
 * What an operation does with a body: reads it (`expected`: the spec declares one), refuses any
 * (`refused`: it declares none, and the caller's is not taken silently), or never reads it (`ignored`).
 */
export type BodyRule = "expected" | "refused" | "ignored";

/** How much of a body an operation that takes none reads to tell whitespace from content. */
const MAX_WHITESPACE_READ = 64 * 1024;

/**
 * Reads an operation's JSON body (its size is already capped by the route's body limit). An empty
 * body is "no body", which validation then judges; anything else must be JSON as
 * `jsonMediaTypeProblem` says, then is decoded by `decodeJsonBytes` and read by `parseJsonText` — each
 * refusal a field error in Flexiti's terms, naming the field (`content-type` or `body`), never an exception.
 */
export async function readJsonBody(request: Request, rule: BodyRule): Promise<ParsedBody> {
	if (rule === "ignored") return { ok: true, body: undefined };
	if (rule === "refused") return (await holdsContent(request)) ? refuse("body", TAKES_NO_BODY) : NO_BODY;
	const bytes = new Uint8Array(await request.arrayBuffer());
	if (bytes.every(isJsonWhitespace)) return { ok: true, body: undefined };
	const mediaType = jsonMediaTypeProblem(request.headers.get("content-type"));
	if (mediaType) return refuse("content-type", mediaType, request.headers.get("content-type"));
	const decoded = decodeJsonBytes(bytes);
	return decoded.ok ? parseJsonText(decoded.text) : decoded;
}

/**
 * A JSON body's bytes as text: UTF-8 without a byte order mark, or the field error (`body`) that says
 * which it is not. Also the signed webhooks' reading, after their signature is checked over these bytes.
 */
export function decodeJsonBytes(bytes: Uint8Array): DecodedBody {
	// Request.text() would drop a UTF-8 byte order mark silently; RFC 8259 §8.1 says a sender must not send one.
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
		return refuse("body", "must not start with a byte order mark");
	}
	try {
		return { ok: true, text: decoder.decode(bytes) };
	} catch {
		return refuse("body", "must be UTF-8");
	}
}

/**
 * A request body's JSON text as the edge reads every request: nested at most `MAX_JSON_DEPTH` levels,
 * no escaped half of a surrogate pair, its numbers exact — or the field error (`body`) that says why not.
 */
export function parseJsonText(text: string): ParsedBody {
	const { tooDeep, mayLoseDigits, loneSurrogate } = scan(text, MAX_JSON_DEPTH);
	if (tooDeep) return refuse("body", `nested more than ${MAX_JSON_DEPTH} levels deep`);
	if (loneSurrogate) return refuse("body", LONE_SURROGATE);
	try {
		// An integer past 2^53, however it is spelled (`…993`, `…993.0`, `9.007199254740993e15`), is read
		// exactly, as a bigint: validation then refuses it quoting every digit, or carries it where the spec
		// declares an id that may pass 2^53 (validate-request.ts); any other number a double does not hold
		// is kept as its text, which validation refuses (lossless-json.ts, `parseRequestJson`).
		return { ok: true, body: mayLoseDigits ? parseRequestJson(text) : JSON.parse(text) };
	} catch {
		return { ...refuse("body", "invalid JSON"), notJson: true };
	}
}

const NO_BODY: ParsedBody = { ok: true, body: undefined };
const TAKES_NO_BODY = "not allowed: this operation takes no body";

/**
 * Whether a request brings a body with anything but whitespace in it, read only until that is known
 * (never past MAX_WHITESPACE_READ: more whitespace than that is content enough to refuse).
 */
async function holdsContent(request: Request): Promise<boolean> {
	if (request.body === null) return false;
	const reader = request.body.getReader();
	let read = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return false;
			read += value.byteLength;
			if (read > MAX_WHITESPACE_READ || !value.every(isJsonWhitespace)) return true;
		}
	} finally {
		reader.cancel().catch(() => {});
	}
}

function refuse(param: string, msg: string, value: string | null = null): { ok: false; fieldError: FieldError } {
	return { ok: false, fieldError: { param, msg, value } };
}

function isJsonWhitespace(byte: number): boolean {
	return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/**
 * Why a body with a lone surrogate escape is refused. `"\ud800"` is valid JSON syntax but no Unicode
 * text (RFC 8259 §8.2 leaves what a parser makes of it open): parsed, it is a string that
 * `encodeURIComponent`, a JSON Schema validator's pointer to the field or Flexiti's parser may throw on.
 */
export const LONE_SURROGATE =
	"holds a \\u escape of half a surrogate pair (\\ud800 to \\udfff unpaired), which is not Unicode text";

/**
 * One pass over the text, strings read only for their escapes: whether arrays and objects open more
 * than `max` levels deep, whether a number has more digits than a double always keeps, or an exponent
 * (see above), and whether a string escapes half a surrogate pair (the text itself, decoded from
 * UTF-8, cannot hold one).
 */
function scan(text: string, max: number): { tooDeep: boolean; mayLoseDigits: boolean; loneSurrogate: boolean } {
	let depth = 0;
	let inString = false;
	let digits = 0; // in the number being read, its point skipped
	let mayLoseDigits = false;
	for (let i = 0; i < text.length; i++) {
		const char = text.charCodeAt(i);
		if (inString) {
			if (char === 0x5c) {
				// A backslash escapes the next character; `\uXXXX` a code unit, whose surrogates must pair.
				if (text.charCodeAt(i + 1) !== 0x75) i++;
				else if (isLoneSurrogateEscape(text, i)) return { tooDeep: false, mayLoseDigits, loneSurrogate: true };
				else i += isHighSurrogate(escapedUnit(text, i)) ? 11 : 5;
			} else if (char === 0x22) inString = false;
			continue;
		}
		if (char >= 0x30 && char <= 0x39) {
			if (++digits > DIGITS_A_DOUBLE_ALWAYS_KEEPS) mayLoseDigits = true;
			continue;
		}
		// `e` after a digit is an exponent (`true` and `false` have theirs after letters).
		if ((char === 0x65 || char === 0x45) && digits > 0) mayLoseDigits = true;
		if (char !== 0x2e) digits = 0;
		if (char === 0x22) inString = true;
		else if (char === 0x5b || char === 0x7b) {
			if (++depth > max) return { tooDeep: true, mayLoseDigits, loneSurrogate: false };
		} else if (char === 0x5d || char === 0x7d) depth--;
	}
	return { tooDeep: false, mayLoseDigits, loneSurrogate: false };
}

/**
 * JSON text with each escape of half a surrogate pair written as U+FFFD (`\ufffd`), as a UTF-8
 * decoder writes broken bytes: for a signed webhook, another system's record, which is read as it
 * came rather than refused (its sender could only send it again). Text without one comes back as is.
 */
export function withLoneSurrogatesReplaced(text: string): string {
	let replaced: string | undefined;
	let copied = 0;
	for (let i = text.indexOf("\\u"); i !== -1; i = text.indexOf("\\u", i + 2)) {
		// `\\u…` is an escaped backslash and a letter: an escape only after an even number of backslashes.
		let backslashes = 0;
		while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
		if (backslashes % 2 === 1) continue;
		if (isLoneSurrogateEscape(text, i)) {
			replaced = `${replaced ?? ""}${text.slice(copied, i)}\\ufffd`;
			copied = i + 6;
			i += 4;
		} else if (isHighSurrogate(escapedUnit(text, i))) i += 6; // and its low half
	}
	return replaced === undefined ? text : replaced + text.slice(copied);
}

/** The code unit of the `\uXXXX` escape at `at` (NaN when its four hex digits are not there). */
function escapedUnit(text: string, at: number): number {
	const hex = text.slice(at + 2, at + 6);
	return /^[0-9a-f]{4}$/i.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
}

function isHighSurrogate(unit: number): boolean {
	return unit >= 0xd800 && unit <= 0xdbff;
}

/** A low surrogate alone, or a high one not followed at once by an escaped low one. */
function isLoneSurrogateEscape(text: string, at: number): boolean {
	const unit = escapedUnit(text, at);
	if (unit >= 0xdc00 && unit <= 0xdfff) return true;
	if (!isHighSurrogate(unit)) return false;
	if (text.charCodeAt(at + 6) !== 0x5c || text.charCodeAt(at + 7) !== 0x75) return true;
	const next = escapedUnit(text, at + 6);
	return !(next >= 0xdc00 && next <= 0xdfff);
}
