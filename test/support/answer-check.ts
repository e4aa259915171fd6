/**
 * The spec's own check of one answer to an operation: its status is documented, and a JSON body
 * validates against that status's schema in the generated tables (generated/*-response-schemas.ts),
 * read by @cfworker/json-schema, the validator the edge itself runs. The conformance check
 * (conformance.ts) adds Ajv's reading of the spec to it; the sandbox the workerd projects run beside
 * the edge (checked-sandbox.ts) runs it alone, since Ajv compiles code at run time, which workerd forbids.
 */
import { Validator } from "@cfworker/json-schema";

/** Where the sandbox beside the edge in the workerd projects hands out the violations it saw (checked-sandbox.ts). */
export const VIOLATIONS_PATH = "/__test/contract-violations";

const validators = new Map<unknown, Validator>();

export interface CheckedAnswer {
	violations: string[];
	/** The JSON body, when the spec gives a schema for the answer's status and its content type is JSON. */
	body?: unknown;
}

export async function checkAnswer(
	operationId: string,
	documented: Record<string, unknown>,
	response: Response,
): Promise<CheckedAnswer> {
	const status = String(response.status);
	if (!(status in documented))
		return { violations: [`${operationId} answered ${status}, which the spec does not document`] };
	const schema = documented[status];
	if (schema === null || schema === undefined) return { violations: [] };
	const contentType = response.headers.get("content-type") ?? "";
	if (!contentType.includes("application/json")) {
		return { violations: [`${operationId} ${status}: content-type ${contentType}`] };
	}
	const body: unknown = await response.clone().json();
	let validator = validators.get(schema);
	if (!validator) {
		validator = new Validator(schema as object, "2020-12", false);
		validators.set(schema, validator);
	}
	const violations = validator
		.validate(body)
		.errors.filter((e) => !["properties", "allOf", "items", "$ref"].includes(e.keyword))
		.map((e) => `${operationId} ${status} ${e.instanceLocation}: ${e.error}`);
	return { violations, body };
}
