/**
 * Derives the edge's operation table from an OpenAPI document: for each operationId, how to call it
 * (method, path, version) and who may (the OAuth2 scopes in its security requirements).
 * The generator writes the result to generated/flexiti-operations.ts; its type lives in functions/contract.
 */

import type { HttpMethod, OperationEntry } from "../functions/contract/operation-types.ts";

interface Parameter {
	name: string;
	in: string;
	$ref?: string;
}
interface Operation {
	operationId?: string;
	security?: Record<string, string[]>[];
	parameters?: Parameter[];
}
export interface OpenApiDocument {
	paths: Record<string, Record<string, Operation>>;
	components?: { parameters?: Record<string, Parameter> };
}

const methods = ["get", "post", "put", "patch", "delete"] as const;

export function buildOperationTable(document: OpenApiDocument): Record<string, OperationEntry> {
	const table: Record<string, OperationEntry> = {};
	for (const [path, item] of Object.entries(document.paths)) {
		for (const method of methods) {
			const operation = item[method];
			if (!operation) continue;
			if (!operation.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
			if (!operation.security) throw new Error(`${operation.operationId} declares no security requirement`);
			const version = /^\/v(\d+\.\d+(?:\.\d+)*)\//.exec(path)?.[1] ?? null;
			const parameters = (operation.parameters ?? []).map((p) => resolveParameter(document, p));
			table[operation.operationId] = {
				method: method.toUpperCase() as HttpMethod,
				path,
				version,
				scopes: [...new Set(operation.security.flatMap((requirement) => Object.values(requirement).flat()))].sort(),
				idempotencyKey: parameters.some((p) => p.in === "header" && p.name.toLowerCase() === "x-idempotency-key"),
			};
		}
	}
	return table;
}

function resolveParameter(document: OpenApiDocument, parameter: Parameter): Parameter {
	if (!parameter.$ref) return parameter;
	const name = parameter.$ref.replace("#/components/parameters/", "");
	const resolved = document.components?.parameters?.[name];
	if (!resolved) throw new Error(`unresolved parameter ${parameter.$ref}`);
	return resolved;
}
