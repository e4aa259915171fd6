/**
 * The shapes of the tables that `npm run generate` derives from each spec (generated/*-operations.ts,
 * generated/*-request-schemas.ts): what the runtime reads to route and validate, and what the
 * generator writes. They live here, below both, so runtime code never imports from scripts/.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How to call one operation (method, path, version) and who may (the OAuth2 scopes in its security requirements). */
export interface OperationEntry {
	readonly method: HttpMethod;
	/** The spec's path template, version segment included: `/v2.5/client-id/{client_id}/…`. */
	readonly path: string;
	/** The API version in the path (`2.5` or `2.5.1`); null for unversioned paths (the edge's own). */
	readonly version: string | null;
	/** OAuth2 scopes whose token this operation accepts; empty where the scheme has none (`/oauth/token`, API keys). */
	readonly scopes: readonly string[];
	/** Whether Flexiti honours `x-idempotency-key` here, so a POST may safely be retried. */
	readonly idempotencyKey: boolean;
}

/** One parameter of an operation, with its JSON Schema (local `$ref`s inlined). */
export interface ParameterSchema {
	readonly name: string;
	readonly in: "path" | "query" | "header";
	readonly required: boolean;
	readonly schema: unknown;
}

/** What an operation's request is validated against before anything happens. */
export interface RequestSchema {
	readonly parameters: readonly ParameterSchema[];
	readonly body?: { readonly contentType: string; readonly required: boolean; readonly schema: unknown };
}
