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
	// The last answer: a request is matched twice in a row (the storefront CORS check, then the
	// forwarder), and matching is pure. Its params are shared by both, frozen so that no one changes them.
	let last: { method: string; path: string; matched: MatchedOperation<Id> | undefined } | undefined;
	return (method: string, path: string): MatchedOperation<Id> | undefined => {
		if (last && last.method === method && last.path === path) return last.matched;
		// A path with a trailing slash is no operation of the spec (none of its paths ends in one), as
		// the app's own router says: Hono's PatternRouter alone would take `/v1/orders/` for `/v1/orders`,
		// and a check of the answer would then hold the app's 404 to that operation's responses.
		const strictMiss = path.length > 1 && path.endsWith("/");
		const [[match] = []] = strictMiss
			? []
			: (router.match(method.toUpperCase(), path) as [[Id, Record<string, string>][]]);
		const matched = match ? { operationId: match[0], params: Object.freeze(match[1]) } : undefined;
		last = { method, path, matched };
		return matched;
	};
}

/**
 * Which Flexiti operation a method and path (relative to Flexiti's base path, version included)
 * call, by the generated operation table — or undefined when the spec has no such operation.
 */
export const matchOperation = operationMatcher(flexitiOperations);

/**
 * Where a call that matches no operation was most likely meant to go: the same method and path under
 * another version of the table (Flexiti serves some operations at `/v2.5.1` and the rest at `/v2.5`, and
 * callers guess), or with the version segment it left out. Answers the concrete path, or undefined.
 */
export function nearestOperationFinder<Id extends string>(table: Record<Id, OperationEntry>) {
	const match = operationMatcher(table);
	const versions = [
		...new Set(Object.values<OperationEntry>(table).flatMap((e) => (e.version ? [`/v${e.version}`] : []))),
	];
	return (method: string, path: string): { operationId: Id; path: string } | undefined => {
		const unversioned = path.replace(/^\/v\d[^/]*(?=\/)/, "");
		for (const version of versions) {
			const candidate = `${version}${unversioned}`;
			const matched = candidate === path ? undefined : match(method, candidate);
			if (matched) return { operationId: matched.operationId, path: candidate };
		}
		return undefined;
	};
}

/** The Flexiti operation a path that matches none was most likely meant for (see `nearestOperationFinder`). */
export const nearestOperation = nearestOperationFinder(flexitiOperations);
