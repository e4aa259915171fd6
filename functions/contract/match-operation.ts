import { PatternRouter } from "hono/router/pattern-router";
import { type FlexitiOperationId, flexitiOperations } from "../../generated/flexiti-operations.ts";
import { honoPath } from "./hono-path.ts";

export interface MatchedOperation {
	operationId: FlexitiOperationId;
	/** Path parameters by the spec's names (`client_id`, `authorization_id`, …). */
	params: Record<string, string>;
}

const router = new PatternRouter<FlexitiOperationId>();
for (const [operationId, entry] of Object.entries(flexitiOperations)) {
	router.add(entry.method, honoPath(entry.path), operationId as FlexitiOperationId);
}

/**
 * Which Flexiti operation a method and path (relative to Flexiti's base path, version included)
 * call, by the generated operation table — or undefined when the spec has no such operation.
 */
export function matchOperation(method: string, path: string): MatchedOperation | undefined {
	const [[match] = []] = router.match(method.toUpperCase(), path) as [[FlexitiOperationId, Record<string, string>][]];
	return match ? { operationId: match[0], params: match[1] } : undefined;
}
