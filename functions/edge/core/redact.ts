import { edgeOperations } from "../../../generated/edge-operations.ts";
import { flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { sha256Hex } from "../../contract/bytes.ts";

/**
 * Personal data never reaches a log: names, dates of birth, licence and SIN numbers, phone numbers,
 * e-mail and addresses are replaced, account and card numbers keep their last 4 digits, and
 * secrets and tokens are dropped whole.
 */
const hidden = new Set([
	"first_name",
	"middle_name",
	"last_name",
	"name",
	"dob",
	"sin",
	"govid_number",
	"phone_number",
	"phone",
	"email",
	"address_1",
	"address_2",
	"postal_code",
	"security_answer",
	"code",
]);
const lastFour = new Set(["account_number", "vcc_number", "card_number", "customer_id"]);
const secrets = /secret|password|api_key|authorization|verification_code|(^|_)token$/i;

type FieldRule = "secret" | "hidden" | "last-four" | "keep";

/** Each field name's rule, decided once: the request log asks for the same dozen names on every request. */
const fieldRules = new Map<string, FieldRule>();
/** Names come from bodies too; past this many the rule is decided afresh each time. */
const MAX_REMEMBERED_NAMES = 1000;

function fieldRule(key: string): FieldRule {
	let rule = fieldRules.get(key);
	if (rule === undefined) {
		rule = secrets.test(key) ? "secret" : hidden.has(key) ? "hidden" : lastFour.has(key) ? "last-four" : "keep";
		if (fieldRules.size < MAX_REMEMBERED_NAMES) fieldRules.set(key, rule);
	}
	return rule;
}

/** A field as its name alone decides it (what is inside an object or array is left to the caller). */
function redactField(key: string, value: unknown): unknown {
	switch (fieldRule(key)) {
		case "secret":
			return "[secret]";
		case "hidden":
			return "[redacted]";
		case "last-four":
			return typeof value === "string" || typeof value === "number" ? maskAllButLastFour(String(value)) : value;
		case "keep":
			return value;
	}
}

export function redact(value: unknown, key = ""): unknown {
	const named = redactField(key, value);
	if (named !== value) return named;
	if (Array.isArray(value)) return value.map((item) => redact(item));
	if (value && typeof value === "object") {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
	}
	return value;
}

/**
 * `redact` as a `JSON.stringify` replacer: the same rules, applied while the JSON is written (which
 * visits every field of every object and array), with no redacted copy made first.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
	return redactField(key, value);
}

export function maskAllButLastFour(value: string): string {
	return value.length <= 4 ? "****" : `${"*".repeat(value.length - 4)}${value.slice(-4)}`;
}

/**
 * A path as a log may keep it, whether or not it matched a route (an upper-case or mistyped path
 * reaches the log too): the segment after `account`/`accounts` in any letter case, and any segment
 * of 12 digits or more (an account or card number wherever it stands), keep their last 4 characters;
 * a segment with an `@` (an e-mail) is dropped. Each segment is judged as it reads once
 * percent-decoded: the router's path keeps reserved escapes (`jane%40mail.com`), and a sender may
 * escape any character (`%31%30…`).
 */
export function redactPath(path: string): string {
	return path
		.split("/")
		.map((segment, index, segments) => {
			const plain = percentDecoded(segment);
			if (index > 0 && /^accounts?$/i.test(percentDecoded(segments[index - 1] ?? ""))) return maskAllButLastFour(plain);
			if (/^\d{12,}$/.test(plain)) return maskAllButLastFour(plain);
			if (plain.includes("@")) return "[redacted]";
			return segment;
		})
		.join("/");
}

/** A path segment percent-decoded; one that does not decode (a stray `%`) is judged as written. */
function percentDecoded(segment: string): string {
	if (!segment.includes("%")) return segment;
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** The fixed words of every route's path (`flexiti`, `client-id`, `authorization`, …): no one's data. */
const routeWords = new Set(
	[...Object.values(flexitiOperations), ...Object.values(edgeOperations)]
		.flatMap((operation) => operation.path.split("/"))
		.filter((word) => word !== "" && !word.startsWith("{"))
		.concat("flexiti"),
);

/**
 * A path that reached no route, as a log may keep it: only the routes' own words, every other segment
 * `[redacted]`. What a mistyped path carries is unknown (a phone number, a name, a SIN in a segment
 * reads like any id), so nothing of it is kept but its shape.
 */
export function redactUnmatchedPath(path: string): string {
	return path
		.split("/")
		.map((segment) =>
			segment === "" || routeWords.has(percentDecoded(segment).toLowerCase()) ? segment : "[redacted]",
		)
		.join("/");
}

/**
 * The path of a request as its log line keeps it. `matched`: it reached an operation, whose segments
 * are ids or a client's (`redactPath`); the order reference in `/v1/orders/{reference}/…` (any letter
 * case) is replaced by the first 16 hex digits of its SHA-256: a merchant may use an e-mail or a name
 * as a reference, and a log needs only to tell one order from another. Any other path keeps only the
 * routes' words (`redactUnmatchedPath`).
 */
export async function redactRequestPath(path: string, matched: boolean): Promise<string> {
	if (!matched) return redactUnmatchedPath(path);
	const masked = redactPath(path);
	const match = /^(\/v1\/orders\/)([^/]+)/i.exec(path);
	if (!match) return masked;
	const [, prefix = "", reference = ""] = match;
	const rest = masked.split("/").slice(4).join("/");
	return `${prefix}${await referenceDigest(reference)}${rest ? `/${rest}` : ""}`;
}

/** `ref:` and the first 16 hex digits of the reference's SHA-256. */
export async function referenceDigest(reference: string): Promise<string> {
	return `ref:${(await sha256Hex(reference)).slice(0, 16)}`;
}

/**
 * An error as a log names it: its name (TypeError, TimeoutError, …), never its message, which may
 * carry a URL, a stored reference or a shopper's data.
 */
export function errorName(error: unknown): string {
	return error instanceof Error ? error.name : "unknown";
}
