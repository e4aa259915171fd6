import { describe, expect, it } from "vitest";
import { matchOperation, operationMatcher } from "../../functions/contract/match-operation.ts";
import type { OperationEntry } from "../../functions/contract/operation-types.ts";
import { edgeOperations } from "../../generated/edge-operations.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import { onlineOperations } from "../../generated/online-operations.ts";

const matchEdgeOperation = operationMatcher(edgeOperations);

// The matcher decides which operation's responses an answer is held to (the conformance checks) and
// which operation the edge forwards: it must take a path exactly as the spec writes it, as the app's
// router does. Found by test/edge/fuzz.test.ts: `GET /v1/orders/` was taken for listOrders, whose
// responses do not include the app's 404 for an unknown route.
describe("operationMatcher", () => {
	it("takes each spec path as written, and the same path with a trailing slash for none", () => {
		const tables: Record<string, OperationEntry>[] = [flexitiOperations, edgeOperations, onlineOperations];
		for (const table of tables) {
			const match = operationMatcher(table);
			for (const [operationId, entry] of Object.entries(table)) {
				const path = entry.path.replaceAll(/\{[^}]+\}/g, "42");
				expect(path.endsWith("/"), `${operationId}'s path`).toBe(false);
				expect(match(entry.method, path)?.operationId, `${entry.method} ${path}`).toBeDefined();
				expect(match(entry.method, `${path}/`), `${entry.method} ${path}/`).toBeUndefined();
			}
		}
	});

	it("GET /v1/orders/ is no operation of the edge, and /v1/orders is listOrders", () => {
		expect(matchEdgeOperation("GET", "/v1/orders/")).toBeUndefined();
		expect(matchEdgeOperation("GET", "/v1/orders")?.operationId).toBe("listOrders");
	});

	it("reads the path parameters of a Flexiti path", () => {
		const matched = matchOperation("GET", "/v2.5.1/client-id/flexitidemo/authorization/123");
		expect(matched).toEqual({
			operationId: "getAuthorization",
			params: { client_id: "flexitidemo", authorization_id: "123" },
		});
		expect(matchOperation("GET", "/v2.5.1/client-id/flexitidemo/authorization/123/")).toBeUndefined();
	});
});
