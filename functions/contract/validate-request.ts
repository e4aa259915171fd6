import { type OutputUnit, Validator } from "@cfworker/json-schema";
import type { FieldError } from "./errors.ts";
// The formats as the runtime reads them (extends the validator's, for every validation).
import "./formats.ts";
import {
	compareDecimals,
	holdsNumbersAsText,
	idOf,
	JSON_NUMBER,
	mayPassSafeIntegers,
	numberText,
} from "./lossless-json.ts";
import type { ParameterSchema, RequestSchema } from "./operation-types.ts";

/** What a request brought, already split by the router: path parameters, query, headers, parsed body. */
export interface RequestParts {
	path: Record<string, string>;
	query: URLSearchParams;
	/** Only read (the request's own headers, or a view of them: nothing needs a copy). */
	headers: Pick<Headers, "get">;
	/** The parsed body; `undefined` when there was none. */
	body: unknown;
}

/** The request with its query parameters coerced to the types the spec declares. */
export interface ValidatedRequest {
	query: Record<string, unknown>;
	body: unknown;
}

export type ValidationResult = { ok: true; value: ValidatedRequest } | { ok: false; fieldErrors: FieldError[] };

export interface ValidationOptions {
	/**
	 * Refuse what the spec does not declare (`not allowed`): body properties wherever the body's schema
	 * does not say `additionalProperties` itself, and query parameters (a misspelled `pagesize` is a
	 * refusal the caller sees, not a default silently applied). The edge validates this way, so nothing
	 * undeclared is ever forwarded; the sandbox, like Flexiti as far as the public record shows, does not.
	 */
	closed?: boolean;
}

const validators = new Map<unknown, Validator>();

/** One compiled validator per schema object, built on first use (a cold isolate pays only for what it serves). */
function validatorFor(schema: unknown): Validator {
	let validator = validators.get(schema);
	if (!validator) {
		validator = new Validator(schema as object, "2020-12", false);
		validators.set(schema, validator);
	}
	return validator;
}

/**
 * Validates a request against its operation's parameters and body in the spec (a generated
 * `*RequestSchemas` entry), and answers in Flexiti's terms: one field error per broken field, `{param, msg, value}`.
 */
export function validateRequest(
	{ parameters, body }: RequestSchema,
	parts: RequestParts,
	options: ValidationOptions = {},
): ValidationResult {
	const fieldErrors: FieldError[] = [];
	const query: Record<string, unknown> = {};

	for (const parameter of parameters) {
		const raw = readParameter(parameter, parts);
		if (raw === undefined) {
			if (parameter.required) fieldErrors.push({ param: parameter.name, msg: "required", value: null });
			continue;
		}
		if (Array.isArray(raw)) {
			// `?a=1&a=2` is a list only where the spec says so; elsewhere it is ambiguous, never "the first one".
			fieldErrors.push({ param: parameter.name, msg: "given more than once", value: raw });
			continue;
		}
		const value = coerce(raw, parameter.schema);
		// JSON Schema knows numbers only: a bigint is judged as the nearest number (bounds, type), within
		// the bounds a body's numbers have (a page number past 2^53 is no page number).
		const errors = validatorFor(parameterSchema(parameter.schema)).validate(judged(value)).errors;
		if (errors.length > 0) fieldErrors.push({ param: parameter.name, msg: describe(errors), value: raw });
		else if (parameter.in === "query") query[parameter.name] = value;
	}

	if (options.closed) fieldErrors.push(...undeclaredQuery(parameters, parts.query));

	if (body) {
		if (parts.body === undefined) {
			if (body.required) fieldErrors.push({ param: "body", msg: "required", value: null });
		} else {
			const validator = validatorFor(bodySchema(body.schema, options.closed === true));
			const errors = bodyErrors(bodyValidation(validator, parts.body), parts.body);
			fieldErrors.push(...errors, ...inexactNumbers(parts.body, errors));
		}
	}

	return fieldErrors.length > 0 ? { ok: false, fieldErrors } : { ok: true, value: { query, body: parts.body } };
}

/**
 * The validator's errors for a body. The validator refuses to judge a bigint (it throws): then, and
 * only then (it is rare), it judges a copy with each bigint as the number it stands for, so that a
 * body without one is walked once, by the validator. A body with a number kept as its text (it knows
 * no such thing either) is judged as a copy from the start.
 */
function bodyValidation(validator: Validator, body: unknown): OutputUnit[] {
	if (holdsNumbersAsText(body)) return validator.validate(judged(body)).errors;
	try {
		return validator.validate(body).errors;
	} catch (error) {
		const seen = judged(body);
		if (seen === body) throw error;
		return validator.validate(seen).errors;
	}
}

/** Each query parameter the operation does not declare, once, with its (first) value. */
function undeclaredQuery(parameters: readonly ParameterSchema[], query: URLSearchParams): FieldError[] {
	const refused: FieldError[] = [];
	for (const name of new Set(query.keys())) {
		if (parameters.some((parameter) => parameter.in === "query" && parameter.name === name)) continue;
		refused.push({ param: name, msg: "not allowed", value: query.get(name) });
	}
	return refused;
}

/** A parameter's text; a query parameter given several times is all its values (none of the specs' are lists). */
function readParameter(parameter: ParameterSchema, parts: RequestParts): string | string[] | undefined {
	if (parameter.in === "path") return parts.path[parameter.name];
	if (parameter.in === "query") {
		const values = parts.query.getAll(parameter.name);
		return values.length > 1 ? values : values[0];
	}
	return parts.headers.get(parameter.name) ?? undefined;
}

const parameterSchemas = new WeakMap<object, unknown>();

/** A parameter's schema as validation applies it (built once per schema): numbers bounded as a body's are. */
function parameterSchema(schema: unknown): unknown {
	if (schema === null || typeof schema !== "object") return schema;
	let applied = parameterSchemas.get(schema);
	if (applied === undefined) {
		applied = withinSafeIntegers(schema);
		parameterSchemas.set(schema, applied);
	}
	return applied;
}

const bodySchemas = { open: new WeakMap<object, unknown>(), closed: new WeakMap<object, unknown>() };

/** A body's schema as validation applies it (built once per schema): numbers within JSON's safe range, closed if asked. */
function bodySchema(schema: unknown, closed: boolean): unknown {
	if (schema === null || typeof schema !== "object") return schema;
	const cache = closed ? bodySchemas.closed : bodySchemas.open;
	let applied = cache.get(schema);
	if (!applied) {
		const safe = withinSafeIntegers(schema);
		applied = closed ? close(safe, true) : safe;
		cache.set(schema, applied);
	}
	return applied;
}

/**
 * The schema with every number bounded to ±(2^53 − 1), RFC 8259 §6's range of numbers that every JSON
 * reader holds exactly, except where it declares an id that may pass 2^53 (`mayPassSafeIntegers`, the
 * rule that also types that id `number | bigint`), which is bounded to the doubles' finite range. Past
 * 2^53 a JavaScript number rounds, so a request body's integer there is read exactly, as a bigint
 * (read-json-body.ts), and refused "out of range" quoting every digit, or carried as it is where the
 * spec allows it; never rounded and sent on.
 */
function withinSafeIntegers(schema: unknown): unknown {
	if (schema === null || typeof schema !== "object") return schema;
	if (Array.isArray(schema)) return schema.map(withinSafeIntegers);
	const source = schema as Record<string, unknown>;
	const copy: Record<string, unknown> = {};
	for (const [keyword, value] of Object.entries(source)) {
		if (propertyMaps.has(keyword) && value && typeof value === "object") {
			copy[keyword] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, withinSafeIntegers(sub)]));
		} else if (subschemaKeywords.has(keyword) || branchingKeywords.has(keyword) || keyword === "prefixItems") {
			copy[keyword] = withinSafeIntegers(value);
		} else copy[keyword] = value; // an enum, a default, an example: values, not schemas
	}
	const types = Array.isArray(source.type) ? source.type : [source.type];
	if (types.includes("integer") || types.includes("number")) {
		// An id that may pass 2^53 is still an int64 (Flexiti's ids): 20 digits are no id, nor is what is
		// judged ±Infinity, a number kept as its text (a fraction past 2^53, a number past the doubles':
		// `judged`), which the validator's integer check would pass. (Judged as doubles, 2^63 itself passes.)
		const limit = mayPassSafeIntegers(source) ? INT64_MAX : Number.MAX_SAFE_INTEGER;
		// Only the bound the schema lacks (or sets past the limit): one keyword fewer to check per number.
		if (bound(source, "maximum", "exclusiveMaximum", Infinity) > limit) copy.maximum = limit;
		if (bound(source, "minimum", "exclusiveMinimum", -Infinity) < -limit) copy.minimum = -limit;
	}
	return copy;
}

/** The tighter of a schema's inclusive and exclusive bound on one side; `none` when it sets neither. */
function bound(schema: Record<string, unknown>, inclusive: string, exclusive: string, none: number): number {
	const bounds = [schema[inclusive], schema[exclusive]].filter((b): b is number => typeof b === "number");
	if (bounds.length === 0) return none;
	return none > 0 ? Math.min(...bounds) : Math.max(...bounds);
}

/**
 * A body as the validator judges it. JSON Schema knows numbers only: a bigint (an integer past 2^53,
 * read exactly) is judged as the nearest number, which is past the safe range every number but an id
 * that may pass 2^53 is bounded to. A number kept as its text (`parseRequestJson`) is judged as the
 * double nearest to it on its side of what was sent: `12.0000000000000001` as 12.000000000000002 (more
 * than two decimals; past a maximum of 12), or, past 2^53 or the range of doubles, as ±Infinity, past
 * every bound (`withinSafeIntegers`): "out of range" wherever it is, as an integer past 2^53 is. The
 * same object when it holds neither (the usual case: no copy).
 */
function judged(value: unknown): unknown {
	// Past int64 a bigint is judged ±Infinity, past every bound: as a double, 2^63 itself would pass one of 2^63 − 1.
	if (typeof value === "bigint")
		return value > INT64_MAX_EXACT || value < -INT64_MAX_EXACT - 1n ? Number(value) * Infinity : Number(value);
	if (value === null || typeof value !== "object") return value;
	const text = numberText(value);
	if (text !== undefined) {
		const read = Number(text);
		if (Math.abs(read) <= Number.MAX_SAFE_INTEGER) return nextDouble(read, compareDecimals(text, String(read)));
		return text.startsWith("-") ? -Infinity : Infinity;
	}
	const fields = value as Record<string, unknown>;
	let copy: Record<string, unknown> | undefined;
	// for…in, not Object.entries: a body without a bigint is walked without allocating anything.
	for (const key in fields) {
		const seen = judged(fields[key]);
		if (seen === fields[key]) continue;
		copy ??= Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...fields };
		copy[key] = seen;
	}
	return copy ?? value;
}

/** The double next to `x` towards +∞ (`towards` 1) or −∞ (−1); `x` itself for 0. */
function nextDouble(x: number, towards: -1 | 0 | 1): number {
	if (towards === 0) return x;
	if (x === 0) return towards * Number.MIN_VALUE;
	const bits = new BigInt64Array(new Float64Array([x]).buffer);
	bits[0] = (bits[0] ?? 0n) + (x > 0 === towards > 0 ? 1n : -1n);
	return new Float64Array(bits.buffer)[0] ?? x;
}

/**
 * A number within the range of a double that was sent with more digits than a double keeps
 * (`12.0000000000000001`) and that its schema let pass (judged as the nearest double on its side): it
 * is refused all the same, as it was sent, since whatever read it would read another number.
 */
function inexactNumbers(body: unknown, refused: readonly FieldError[]): FieldError[] {
	if (!holdsNumbersAsText(body)) return [];
	const named = new Set(refused.map((e) => e.param));
	const found: FieldError[] = [];
	const walk = (value: unknown, keys: string[]) => {
		if (value === null || typeof value !== "object") return;
		if (numberText(value) !== undefined) {
			const field = joinField(keys) || "body";
			if (!named.has(field)) found.push({ param: field, msg: "more digits than a number holds exactly", value });
			return;
		}
		for (const [key, item] of Object.entries(value)) walk(item, [...keys, key]);
	};
	walk(body, []);
	return found;
}

const instanceKeywords = new Set(["properties", "patternProperties", "prefixItems"]);
const propertyMaps = new Set(["properties", "patternProperties"]);
const subschemaKeywords = new Set(["items", "additionalProperties", "unevaluatedProperties", "contains"]);
const branchingKeywords = new Set(["allOf", "anyOf", "oneOf", "if", "then", "else", "not"]);

/**
 * The schema with every object that declares `properties` (and says nothing of other properties)
 * closed with `unevaluatedProperties: false`. Only objects the instance itself descends into are
 * closed, not the `allOf` / `oneOf` / `if`-`then` branches that refine them: `unevaluatedProperties`
 * sees the properties those branches declare too. Nor is a property a branch declares again
 * (`then: {properties: {data: {required: [amount]}}}`): it refines what the enclosing schema says of
 * that property, which is closed there, and closed here too it would refuse every property it does
 * not repeat.
 */
function close(schema: unknown, describesInstance: boolean, refined: ReadonlySet<string> = NONE): unknown {
	if (schema === null || typeof schema !== "object") return schema;
	if (Array.isArray(schema)) return schema.map((item) => close(item, describesInstance, refined));
	const source = schema as Record<string, unknown>;
	const declared = propertyNames(source, refined);
	const copy: Record<string, unknown> = {};
	for (const [keyword, value] of Object.entries(source)) {
		if (instanceKeywords.has(keyword) && value && typeof value === "object") {
			copy[keyword] = Array.isArray(value)
				? value.map((item) => close(item, true))
				: Object.fromEntries(
						Object.entries(value).map(([name, sub]) => [name, refined.has(name) ? sub : close(sub, true)]),
					);
		} else if (subschemaKeywords.has(keyword)) copy[keyword] = close(value, true);
		else if (branchingKeywords.has(keyword)) copy[keyword] = close(value, false, declared);
		else copy[keyword] = value;
	}
	if (
		describesInstance &&
		source.properties !== undefined &&
		source.additionalProperties === undefined &&
		source.unevaluatedProperties === undefined
	) {
		copy.unevaluatedProperties = false;
	}
	return copy;
}

const NONE: ReadonlySet<string> = new Set();

/** The properties a schema declares, with those its enclosing schema declared (for its branches). */
function propertyNames(schema: Record<string, unknown>, enclosing: ReadonlySet<string>): ReadonlySet<string> {
	const properties = schema.properties;
	if (!properties || typeof properties !== "object") return enclosing;
	return new Set([...enclosing, ...Object.keys(properties)]);
}

/** Query, path and header values arrive as text; the spec may declare them numbers or booleans. */
/** 2^63 − 1, the largest int64, as the double nearest it (2^63), and exactly. */
const INT64_MAX = 2 ** 63;
const INT64_MAX_EXACT = 2n ** 63n - 1n;

function coerce(raw: string, schema: unknown): unknown {
	const type = (schema as { type?: unknown }).type;
	// An integer (an id) is digits as JSON writes them: not "1e3", "0x10", " 12" or "05", which Number()
	// would also read. Past 2^53 it stays exact, as a bigint (see lossless-json.ts).
	if (type === "integer") return /^-?(0|[1-9][0-9]*)$/.test(raw) ? idOf(raw) : raw;
	// A number as JSON writes one: not "0x10", " 10 ", "+100" or "Infinity", which Number() would also read.
	if (type === "number" && JSON_NUMBER.test(raw) && Number.isFinite(Number(raw))) return Number(raw);
	if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
	return raw;
}

/** Keywords that only report that something inside them failed; the inner failure names the field. */
const containerKeywords = new Set([
	"properties",
	// Reported once more, at the property itself, by the schema (or the `false`) it broke.
	"additionalProperties",
	"unevaluatedProperties",
	"items",
	"prefixItems",
	"allOf",
	"$ref",
	"dependentSchemas",
	"if",
	"then",
	"else",
]);
/** Keywords whose branches' own failures are noise once the keyword itself has failed. */
const branchKeywords = new Set(["oneOf", "anyOf", "not"]);

/** Turns the validator's output into Flexiti field errors: one per field, at the deepest level that failed. */
function bodyErrors(errors: OutputUnit[], body: unknown): FieldError[] {
	const branches = errors.filter((e) => branchKeywords.has(e.keyword)).map((e) => `${e.keywordLocation}/`);
	const byField = new Map<string, OutputUnit[]>();
	for (const error of errors) {
		if (containerKeywords.has(error.keyword)) continue;
		if (branches.some((branch) => error.keywordLocation.startsWith(branch))) continue;
		const field = fieldName(error);
		byField.set(field, [...(byField.get(field) ?? []), error]);
	}
	// A declared property that fails its schema does not count as evaluated, so a closed schema also
	// calls it "not allowed" (the `false` schema): its own failure, or its fields' failures, say more.
	const fields = [...byField.keys()];
	for (const [field, own] of byField) {
		const declared = own.filter((e) => e.keyword !== "false");
		if (declared.length > 0) byField.set(field, declared);
		else if (fields.some((f) => f.startsWith(`${field}.`) || f.startsWith(`${field}[`))) byField.delete(field);
	}
	return [...byField].map(([field, own]) => ({
		param: field === "" ? "body" : field,
		msg: describe(own),
		// The body itself is not echoed, unless it is a number kept as it was sent.
		value: field === "" ? (numberText(body) !== undefined ? body : null) : valueAt(body, field),
	}));
}

/** `#/financing_option/plan_id` → `financing_option.plan_id`; a missing required property names itself. */
function fieldName(error: OutputUnit): string {
	const segments = error.instanceLocation.replace(/^#\/?/, "").split("/").filter(Boolean);
	if (error.keyword === "required") {
		const missing = /"([^"]+)"/.exec(error.error)?.[1];
		if (missing) segments.push(missing);
	}
	return joinField(segments.map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~")));
}

/** A field's name from its path: `financing_option.plan_id`, `products[0].sku` (a key of digits is written as an index). */
function joinField(keys: readonly string[]): string {
	return keys.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
}

function valueAt(body: unknown, field: string): unknown {
	let node: unknown = body;
	for (const key of field.split(/\.|\[(\d+)\]/).filter(Boolean)) {
		node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
	}
	return node === undefined ? null : node;
}

/** Flexiti's field error messages are short words ("required", "length", "invalid"); keep to that vocabulary. */
function describe(errors: OutputUnit[]): string {
	const keywords = new Set(errors.map((e) => e.keyword));
	if (keywords.has("required")) return "required";
	if (keywords.has("maxLength") || keywords.has("minLength")) return "length";
	if (keywords.has("type")) return "wrong type";
	if (keywords.has("enum") || keywords.has("const")) return "invalid value";
	if (keywords.has("pattern") || keywords.has("format")) return "wrong format";
	if (keywords.has("oneOf") || keywords.has("anyOf")) return "must match exactly one of the allowed shapes";
	if (keywords.has("additionalProperties") || keywords.has("unevaluatedProperties") || keywords.has("false"))
		return "not allowed";
	if (["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"].some((k) => keywords.has(k)))
		return "out of range";
	if (keywords.has("multipleOf")) return step(errors.find((e) => e.keyword === "multipleOf")?.error ?? "");
	return "invalid";
}

/**
 * A `multipleOf` 0.01 is how the spec says "cents": "out of range" sent people looking for a limit, so
 * say what is wrong. The step is read from the validator's own text ("10.001 is not a multiple of 0.01.").
 */
function step(error: string): string {
	const multiple = /multiple of (\S+?)\.?$/.exec(error)?.[1];
	return multiple === "0.01" ? "at most two decimals" : `a multiple of ${multiple ?? "its step"}`;
}
