/**
 * Checks a response against the spec of the operation it answers: the status must be documented,
 * and a JSON body must validate against that status's schema. Sandbox and edge tests run every
 * response they get through this.
 */
import { Validator } from "@cfworker/json-schema";
import { matchOperation, operationMatcher } from "../../functions/contract/match-operation.ts";
import { edgeOperations } from "../../generated/edge-operations.ts";
import { edgeResponseSchemas } from "../../generated/edge-response-schemas.ts";
import { flexitiResponseSchemas } from "../../generated/flexiti-response-schemas.ts";
import { onlineOperations } from "../../generated/online-operations.ts";
import { onlineResponseSchemas } from "../../generated/online-response-schemas.ts";

const validators = new Map<unknown, Validator>();
const matchEdgeOperation = operationMatcher(edgeOperations);
const matchOnlineOperation = operationMatcher(onlineOperations);

/** What is wrong with a response to a Flexiti operation; `path` is relative to Flexiti's base path. */
export async function flexitiViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchOperation(method, path);
	return matched ? violations(matched.operationId, flexitiResponseSchemas[matched.operationId], response) : [];
}

/** What is wrong with a response to a Flexiti Online API operation; `path` is relative to its base path. */
export async function onlineViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchOnlineOperation(method, path);
	return matched ? violations(matched.operationId, onlineResponseSchemas[matched.operationId], response) : [];
}

/** What is wrong with a response to one of the edge's own operations. */
export async function edgeViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchEdgeOperation(method, path);
	return matched ? violations(matched.operationId, edgeResponseSchemas[matched.operationId], response) : [];
}

async function violations(
	operationId: string,
	documented: Record<string, unknown>,
	response: Response,
): Promise<string[]> {
	const status = String(response.status);
	if (!(status in documented)) return [`${operationId} answered ${status}, which the spec does not document`];
	const schema = documented[status];
	if (schema === null || schema === undefined) return [];
	const contentType = response.headers.get("content-type") ?? "";
	if (!contentType.includes("application/json")) return [`${operationId} ${status}: content-type ${contentType}`];
	const body = await response.clone().json();
	let validator = validators.get(schema);
	if (!validator) {
		validator = new Validator(schema as object, "2020-12", false);
		validators.set(schema, validator);
	}
	return validator
		.validate(body)
		.errors.filter((e) => !["properties", "allOf", "items", "$ref"].includes(e.keyword))
		.map((e) => `${operationId} ${status} ${e.instanceLocation}: ${e.error}`);
}
