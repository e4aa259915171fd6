/**
 * Derives, from an OpenAPI document, the JSON Schemas each operation validates against:
 * its parameters and body (the request side, used by the edge and the sandbox before anything
 * happens) and its responses per status (used by the sandbox's conformance tests).
 * Local `$ref`s are inlined so the worker needs no resolver and parses no YAML at run time.
 */
import type { ParameterSchema, RequestSchema } from "../functions/contract/operation-types.ts";
import type { OpenApiDocument } from "./operation-table.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface RawOperation {
	operationId: string;
	parameters?: Json[];
	requestBody?: Json;
	responses?: Record<string, Json>;
}

const methods = ["get", "post", "put", "patch", "delete"];

export function buildSchemaTables(document: OpenApiDocument) {
	const root = document as unknown as Json;
	const requests: Record<string, RequestSchema> = {};
	const responses: Record<string, Record<string, unknown>> = {};
	for (const item of Object.values(document.paths)) {
		for (const method of methods) {
			const operation = (item as Record<string, RawOperation | undefined>)[method];
			if (!operation) continue;
			const inlined = inline(root, operation as unknown as Json) as unknown as RawOperation;
			requests[operation.operationId] = requestSchema(inlined);
			responses[operation.operationId] = Object.fromEntries(
				Object.entries(inlined.responses ?? {}).map(([status, response]) => [status, jsonSchemaOf(response)]),
			);
		}
	}
	return { requests, responses };
}

function requestSchema(operation: RawOperation): RequestSchema {
	const parameters = (operation.parameters ?? []).map((p) => {
		const {
			name,
			in: location,
			required,
			schema,
		} = p as { name: string; in: string; required?: boolean; schema: unknown };
		if (location !== "path" && location !== "query" && location !== "header") {
			throw new Error(`${operation.operationId}: parameters in ${location} are not supported`);
		}
		const parameter: ParameterSchema = {
			name: location === "header" ? name.toLowerCase() : name,
			in: location,
			required: required === true,
			schema,
		};
		return parameter;
	});
	const body = operation.requestBody as
		| { required?: boolean; content?: Record<string, { schema?: unknown }> }
		| undefined;
	const [contentType, media] = Object.entries(body?.content ?? {})[0] ?? [];
	return {
		parameters,
		...(contentType ? { body: { contentType, required: body?.required === true, schema: media?.schema ?? {} } } : {}),
	};
}

function jsonSchemaOf(response: Json): unknown {
	const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
	return content?.["application/json"]?.schema ?? null;
}

/**
 * A schema of the spec as the edge and the sandbox validate it: `$ref`s inlined, documentation
 * dropped, `x-decimal-places` as a decimal-safe `multipleOf` (the contract tests check spec examples with it).
 */
export function validationSchema(document: OpenApiDocument, schema: unknown): unknown {
	return inline(document as unknown as Json, schema as Json);
}

/** Documentation keywords: validators do not need them, and the worker bundle stays small. */
const documentationKeywords = new Set([
	"description",
	"summary",
	"title",
	"example",
	"examples",
	"externalDocs",
	// ErrorCode's meanings and statuses (generated/edge-error-codes.ts has the statuses).
	"x-enumDescriptions",
	"x-status-codes",
]);

/**
 * Replaces every local `$ref` with the (recursively inlined) thing it points to, and drops
 * documentation keywords (but not properties that happen to be called `description`).
 */
function inline(root: Json, node: Json, seen: readonly string[] = [], namesAreKeys = false): Json {
	if (Array.isArray(node)) return node.map((child) => inline(root, child, seen));
	if (node === null || typeof node !== "object") return node;
	const ref = node.$ref;
	if (typeof ref === "string" && !namesAreKeys) {
		if (seen.includes(ref)) throw new Error(`circular $ref ${ref}`);
		return inline(root, resolvePointer(root, ref), [...seen, ref]);
	}
	return Object.fromEntries(
		Object.entries(node)
			.filter(([key]) => namesAreKeys || !documentationKeywords.has(key))
			.map(([key, value]) =>
				!namesAreKeys && key === decimalPlaces
					? ["multipleOf", 10 ** -(value as number)]
					: [key, inline(root, value, seen, !namesAreKeys && (key === "properties" || key === "patternProperties"))],
			),
	);
}

/**
 * The spec states amounts' two decimals as `x-decimal-places: 2`, not `multipleOf: 0.01`, because
 * float-based validators (Ajv and what is built on it) reject 9.95 as a multiple of 0.01. The
 * schemas generated here are read only by @cfworker/json-schema, whose `multipleOf` is decimal-safe
 * (it compares decimal digits, not float quotients), so the edge and the sandbox enforce it as that.
 */
const decimalPlaces = "x-decimal-places";

function resolvePointer(root: Json, ref: string): Json {
	if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported: ${ref}`);
	let node: Json | undefined = root;
	for (const segment of ref.slice(2).split("/")) {
		const key = segment.replaceAll("~1", "/").replaceAll("~0", "~");
		node = node && typeof node === "object" && !Array.isArray(node) ? node[key] : undefined;
	}
	if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
	return node;
}
