/**
 * Checks a response against the spec of the operation it answers: the status must be documented,
 * and a JSON body must validate against that status's schema — by the edge's own validator
 * (@cfworker/json-schema on the generated schemas) and by Ajv reading the spec as any third-party
 * tool does (test/support/spec-ajv.ts). Sandbox and edge tests run every response they get through this:
 * the sandbox's against Flexiti's spec, the edge's `/flexiti` answers against the spec of that surface
 * (generated/flexiti-edge-api.json: Flexiti's answers and the edge's own refusals), its other answers
 * against spec/edge-api.yaml.
 */
import { parse } from "yaml";
import { matchOperation, operationMatcher } from "../../functions/contract/match-operation.ts";
import { edgeOperations } from "../../generated/edge-operations.ts";
import { edgeResponseSchemas } from "../../generated/edge-response-schemas.ts";
import surface from "../../generated/flexiti-edge-api.json";
import { flexitiEdgeResponseSchemas } from "../../generated/flexiti-edge-response-schemas.ts";
import { flexitiResponseSchemas } from "../../generated/flexiti-response-schemas.ts";
import { onlineOperations } from "../../generated/online-operations.ts";
import { onlineResponseSchemas } from "../../generated/online-response-schemas.ts";
import edgeSpecText from "../../spec/edge-api.yaml?raw";
import onlineSpecText from "../../spec/flexiti-online-api.yaml?raw";
import flexitiSpecText from "../../spec/flexiti-pos-api.yaml?raw";
import { checkAnswer } from "./answer-check.ts";
import { ajvErrors, type SpecAjv, specAjv } from "./spec-ajv.ts";

const matchEdgeOperation = operationMatcher(edgeOperations);
const matchOnlineOperation = operationMatcher(onlineOperations);
const flexitiAjv = specAjv("flexiti-pos-api", parse(flexitiSpecText));
const edgeAjv = specAjv("edge-api", parse(edgeSpecText));
const onlineAjv = specAjv("flexiti-online-api", parse(onlineSpecText));
const surfaceAjv = specAjv("flexiti-edge-api", surface);

/** What is wrong with a response to a Flexiti operation; `path` is relative to Flexiti's base path. */
export async function flexitiViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchOperation(method, path);
	return matched
		? violations(matched.operationId, flexitiResponseSchemas[matched.operationId], flexitiAjv, response)
		: [];
}

/**
 * What is wrong with the edge's answer on its `/flexiti` surface; `path` is relative to `/flexiti`. A path
 * of no operation (the edge's 404 for it) and Flexiti's token endpoint, which the edge does not serve,
 * have nothing to check.
 */
export async function flexitiEdgeViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchOperation(method, path);
	const documented = matched ? flexitiEdgeResponseSchemas[matched.operationId] : undefined;
	return matched && documented ? violations(matched.operationId, documented, surfaceAjv, response) : [];
}

/** What is wrong with a response to a Flexiti Online API operation; `path` is relative to its base path. */
export async function onlineViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchOnlineOperation(method, path);
	return matched
		? violations(matched.operationId, onlineResponseSchemas[matched.operationId], onlineAjv, response)
		: [];
}

/** What is wrong with a response to one of the edge's own operations. */
export async function edgeViolations(method: string, path: string, response: Response): Promise<string[]> {
	const matched = matchEdgeOperation(method, path);
	return matched ? violations(matched.operationId, edgeResponseSchemas[matched.operationId], edgeAjv, response) : [];
}

async function violations(
	operationId: string,
	documented: Record<string, unknown>,
	ajv: SpecAjv,
	response: Response,
): Promise<string[]> {
	const own = await checkAnswer(operationId, documented, response);
	if (!("body" in own)) return own.violations;
	const status = String(response.status);
	const pointer = ajv.responsePointer(operationId, status);
	const validate = pointer ? ajv.at(pointer) : undefined;
	const ajvSays =
		validate && !validate(own.body) ? ajvErrors(validate).map((e) => `${operationId} ${status} (Ajv) ${e}`) : [];
	return [...own.violations, ...ajvSays];
}
