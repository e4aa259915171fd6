import { type OutputUnit, Validator } from "@cfworker/json-schema";
import type { FieldError } from "./errors.ts";
import type { ParameterSchema, RequestSchema } from "./operation-types.ts";

/** What a request brought, already split by the router: path parameters, query, headers, parsed body. */
export interface RequestParts {
	path: Record<string, string>;
	query: URLSearchParams;
	headers: Headers;
	/** The parsed body; `undefined` when there was none. */
	body: unknown;
}

/** The request with its query parameters coerced to the types the spec declares. */
export interface ValidatedRequest {
	query: Record<string, unknown>;
	body: unknown;
}

export type ValidationResult = { ok: true; value: ValidatedRequest } | { ok: false; fieldErrors: FieldError[] };

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
export function validateRequest({ parameters, body }: RequestSchema, parts: RequestParts): ValidationResult {
	const fieldErrors: FieldError[] = [];
	const query: Record<string, unknown> = {};

	for (const parameter of parameters) {
		const raw = readParameter(parameter, parts);
		if (raw === undefined) {
			if (parameter.required) fieldErrors.push({ param: parameter.name, msg: "required", value: null });
			continue;
		}
		const value = coerce(raw, parameter.schema);
		const errors = validatorFor(parameter.schema).validate(value).errors;
		if (errors.length > 0) fieldErrors.push({ param: parameter.name, msg: describe(errors), value: raw });
		else if (parameter.in === "query") query[parameter.name] = value;
	}

	if (body) {
		if (parts.body === undefined) {
			if (body.required) fieldErrors.push({ param: "body", msg: "required", value: null });
		} else {
			fieldErrors.push(...bodyErrors(validatorFor(body.schema).validate(parts.body).errors, parts.body));
		}
	}

	return fieldErrors.length > 0 ? { ok: false, fieldErrors } : { ok: true, value: { query, body: parts.body } };
}

function readParameter(parameter: ParameterSchema, parts: RequestParts): string | undefined {
	if (parameter.in === "path") return parts.path[parameter.name];
	if (parameter.in === "query") return parts.query.get(parameter.name) ?? undefined;
	return parts.headers.get(parameter.name) ?? undefined;
}

/** Query, path and header values arrive as text; the spec may declare them numbers or booleans. */
function coerce(raw: string, schema: unknown): unknown {
	const type = (schema as { type?: unknown }).type;
	if ((type === "integer" || type === "number") && raw.trim() !== "" && Number.isFinite(Number(raw)))
		return Number(raw);
	if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
	return raw;
}

/** Keywords that only report that something inside them failed; the inner failure names the field. */
const containerKeywords = new Set([
	"properties",
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
	return [...byField].map(([field, own]) => ({
		param: field === "" ? "body" : field,
		msg: describe(own),
		value: field === "" ? null : valueAt(body, field),
	}));
}

/** `#/financing_option/plan_id` → `financing_option.plan_id`; a missing required property names itself. */
function fieldName(error: OutputUnit): string {
	const segments = error.instanceLocation.replace(/^#\/?/, "").split("/").filter(Boolean);
	if (error.keyword === "required") {
		const missing = /"([^"]+)"/.exec(error.error)?.[1];
		if (missing) segments.push(missing);
	}
	return segments
		.map((s) => decodeURIComponent(s).replaceAll("~1", "/").replaceAll("~0", "~"))
		.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), "");
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
	if (keywords.has("additionalProperties") || keywords.has("unevaluatedProperties")) return "not allowed";
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
