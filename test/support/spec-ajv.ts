/**
 * A spec's schemas as a third-party, Ajv-based validator reads them (Stoplight Prism, most API
 * gateways and generated server stubs validate with Ajv): JSON Schema 2020-12 with ajv-formats,
 * straight from the hand-written YAML, `$ref`s resolved by Ajv itself. Tests run every answer and
 * every spec example through this besides the edge's own validator, so the spec cannot say
 * something only our decimal-safe validator reads the way we mean it (issue 17: `multipleOf: 0.01`
 * rejected 9.95 everywhere but here).
 */
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** OpenAPI's own schema keywords and this project's vendor extensions: annotations to Ajv, as to Prism. */
const openApiKeywords = [
	"example",
	"discriminator",
	"xml",
	"externalDocs",
	"x-decimal-places",
	// ErrorCode's meanings (rendered by Redoc) and HTTP statuses (read by npm run generate).
	"x-enumDescriptions",
	"x-status-codes",
];
/** The document's top-level fields: the spec is added whole so `$ref`s resolve, and Ajv compiles only what they point at. */
const documentFields = [
	"openapi",
	"info",
	"jsonSchemaDialect",
	"servers",
	"paths",
	"webhooks",
	"components",
	"security",
	"tags",
];

export interface SpecAjv {
	/** The validator of the schema at a JSON pointer into the spec (`#/components/schemas/Amount`). */
	at(pointer: string): ValidateFunction;
	/** The JSON pointer of an operation's response schema for a status (undefined: no JSON body documented). */
	responsePointer(operationId: string, status: string): string | undefined;
}

interface RawOperation {
	operationId?: string;
	responses?: Record<string, { content?: Record<string, unknown> }>;
}

/** `id` names the spec inside Ajv (its `$id`); `document` is the parsed YAML. */
export function specAjv(id: string, document: Record<string, unknown>): SpecAjv {
	// strict: Ajv's default in v8, so an unknown keyword in the spec is an error here as it is for a gateway.
	const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
	addFormats(ajv);
	ajv.addVocabulary([...openApiKeywords, ...documentFields]);
	const base = `https://flexiti-edge.test/${id}`;
	ajv.addSchema({ ...document, $id: base }, base, undefined, false);

	const operations = new Map<string, { path: string; method: string; operation: RawOperation }>();
	for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, RawOperation>>)) {
		for (const [method, operation] of Object.entries(item)) {
			if (operation && typeof operation === "object" && operation.operationId) {
				operations.set(operation.operationId, { path, method, operation });
			}
		}
	}

	const compiled = new Map<string, ValidateFunction>();
	return {
		at(pointer) {
			let validate = compiled.get(pointer);
			if (!validate) {
				validate = ajv.compile({ $ref: `${base}${pointer}` });
				compiled.set(pointer, validate);
			}
			return validate;
		},
		responsePointer(operationId, status) {
			const found = operations.get(operationId);
			if (!found?.operation.responses?.[status]) return undefined;
			let pointer = `#/paths/${pointerSegment(found.path)}/${found.method}/responses/${status}`;
			let response: unknown = found.operation.responses[status];
			// A response given as `$ref: '#/components/responses/…'` is followed to where its content lives.
			const ref = (response as { $ref?: string }).$ref;
			if (ref) {
				pointer = ref;
				response = resolve(document, ref);
			}
			const content = (response as { content?: Record<string, { schema?: unknown }> }).content;
			return content?.["application/json"]?.schema ? `${pointer}/content/application~1json/schema` : undefined;
		},
	};
}

/** Ajv's error list as one line per error. */
export function ajvErrors(validate: ValidateFunction): string[] {
	return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`);
}

function pointerSegment(segment: string): string {
	return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function resolve(document: unknown, ref: string): unknown {
	let node: unknown = document;
	for (const segment of ref.replace(/^#\//, "").split("/")) {
		const key = segment.replaceAll("~1", "/").replaceAll("~0", "~");
		node = (node as Record<string, unknown> | undefined)?.[key];
	}
	return node;
}
