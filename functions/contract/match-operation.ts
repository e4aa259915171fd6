import { PatternRouter } from "hono/router/pattern-router";
import { type FlexitiOperationId, flexitiOperations } from "../../generated/flexiti-operations.ts";
import { honoPath } from "./hono-path.ts";
import type { OperationEntry } from "./operation-types.ts";

export interface MatchedOperation<Id extends string = FlexitiOperationId> {
	operationId: Id;
	/** Path parameters by the spec's names (`client_id`, `authorization_id`, …). */
	params: Record<string, string>;
}

/** A matcher over a generated operation table: which operation a method and path call, if any. */
export function operationMatcher<Id extends string>(table: Record<Id, OperationEntry>) {
	const router = new PatternRouter<Id>();
	for (const [operationId, entry] of Object.entries(table) as [Id, OperationEntry][]) {
		router.add(entry.method, honoPath(entry.path), operationId);
	}
	return (method: string, path: string): MatchedOperation<Id> | undefined => {
		const [[match] = []] = router.match(method.toUpperCase(), path) as [[Id, Record<string, string>][]];
		return match ? { operationId: match[0], params: match[1] } : undefined;
	};
}

/**
 * Which Flexiti operation a method and path (relative to Flexiti's base path, version included)
 * call, by the generated operation table — or undefined when the spec has no such operation.
 */
export const matchOperation = operationMatcher(flexitiOperations);
