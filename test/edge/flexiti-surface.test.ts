/**
 * The generated spec of the `/flexiti` surface (generated/flexiti-edge-api.json, issue 17 item 3)
 * tells the truth about what the edge takes: over random requests (a valid one per operation and
 * caller, then one change: a field dropped or given another value, an undeclared field, a path id
 * that is no id), what the edge lets through to Flexiti is valid against the spec for that caller,
 * and what it stops is not. "Let through" is what the sandbox saw, not what the edge answered.
 * The spec's own word for the caller decides too: its security schemes.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { checkoutFills } from "../../functions/contract/flexiti-surface-rules.ts";
import { validateRequest } from "../../functions/contract/validate-request.ts";
import surface from "../../generated/flexiti-edge-api.json";
import { flexitiEdgeCallers, flexitiEdgeRequestSchemas } from "../../generated/flexiti-edge-request-schemas.ts";
import { CLIENT_ID, EDGE, edgeFetch, MERCHANT_KEY, openCheckout, resetSandbox, sandboxCalls } from "./support.ts";

beforeEach(resetSandbox);

type Caller = "merchantApiKey" | "checkoutClientToken";
type Json = Record<string, unknown>;

interface Operation {
	operationId: string;
	method: string;
	path: string;
	exampleBody?: Json;
}

/** The surface's operations with a documented example body (or none needed): what the test varies. */
const operations: Operation[] = Object.entries(surface.paths as Record<string, Record<string, Json>>).flatMap(
	([path, item]) =>
		Object.entries(item).flatMap(([method, raw]) => {
			const operation = raw as { operationId: string; requestBody?: { content: Record<string, Json> } };
			const content = operation.requestBody?.content["application/json"] as
				| { example?: Json; examples?: Record<string, { value: Json }> }
				| undefined;
			const example = content?.example ?? Object.values(content?.examples ?? {})[0]?.value;
			if (operation.requestBody && !example) return [];
			return [{ operationId: operation.operationId, method: method.toUpperCase(), path, exampleBody: example }];
		}),
);

/** Path parameters that name something real enough for Flexiti to answer (or say 404: it was asked). */
const PATH_VALUES: Record<string, string> = {
	client_id: CLIENT_ID,
	account_number: "10000000000001",
	authorization_id: "1000001",
	capture_id: "100001",
};

/** Body fields a shopper's checkout holds a value for: another valid value is refused by rule, not by shape. */
const shopperHeld = new Set(["account_number", "customer_identification", "reference", "vcc_number"]);

const change = fc.oneof(
	fc.constant({ kind: "none" as const }),
	fc.record({ kind: fc.constant("drop" as const), index: fc.nat() }),
	fc.record({ kind: fc.constant("set" as const), index: fc.nat(), value: fc.jsonValue({ maxDepth: 1 }) }),
	fc.record({ kind: fc.constant("extra" as const), value: fc.jsonValue({ maxDepth: 1 }) }),
	fc.record({
		kind: fc.constant("path" as const),
		index: fc.nat(),
		value: fc.constantFrom("abc", "0x10", "1e3", "-5", "0", "12.5", "9007199254740993", "99999999999999999"),
	}),
);

type Change = typeof change extends fc.Arbitrary<infer T> ? T : never;

async function request(operation: Operation, caller: Caller, mutation: Change) {
	const names = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string);
	const path: Record<string, string> = Object.fromEntries(names.map((name) => [name, PATH_VALUES[name] ?? "1"]));
	const body: Json | undefined = operation.exampleBody ? structuredClone(operation.exampleBody) : undefined;
	const fills = Object.keys(checkoutFills[operation.operationId as keyof typeof checkoutFills] ?? {});
	if (body && caller === "checkoutClientToken") for (const field of fills) delete body[field];
	if (body && caller === "merchantApiKey" && operation.operationId === "createAuthorization") {
		// The order of a reference admits one authorization: a fresh order each time.
		body.reference = `PROP-${crypto.randomUUID().slice(0, 8)}`;
	}
	const keys = Object.keys(body ?? {});
	const key = "index" in mutation ? keys[mutation.index % Math.max(keys.length, 1)] : undefined;
	switch (mutation.kind) {
		case "drop":
			if (!body || key === undefined) return undefined;
			delete body[key];
			break;
		case "set":
			if (!body || key === undefined) return undefined;
			// A shopper's held fields: another value is the checkout's rule (409 or 403), which no schema can say.
			if (caller === "checkoutClientToken" && (shopperHeld.has(key) || fills.includes(key))) return undefined;
			if (operation.operationId === "createAuthorization" && key === "reference") return undefined;
			body[key] = mutation.value;
			break;
		case "extra":
			if (!body) return undefined;
			body.undeclared_field = mutation.value;
			break;
		case "path": {
			const ids = names.filter((name) => name !== "client_id");
			const name = ids[mutation.index % Math.max(ids.length, 1)];
			if (name === undefined) return undefined;
			path[name] = mutation.value;
			break;
		}
	}
	return { path, body };
}

/** The surface's verdict: may this caller call it, and is the request what the spec says it takes? */
function validForSurface(operationId: string, caller: Caller, path: Record<string, string>, body: unknown): boolean {
	if (!flexitiEdgeCallers[operationId]?.includes(caller)) return false;
	const schema = flexitiEdgeRequestSchemas[caller][operationId];
	if (!schema) return false;
	// The edge refuses body properties the spec does not declare ("Through Flexiti Edge" in the spec).
	const parts = { path, query: new URLSearchParams(), headers: new Headers(), body };
	return validateRequest(schema, parts, { closed: true }).ok;
}

describe("the generated /flexiti spec", () => {
	it("covers every operation the edge serves, with the edge's callers and not Flexiti's OAuth2", () => {
		expect(Object.keys(surface.components.securitySchemes).sort()).toEqual(["checkoutClientToken", "merchantApiKey"]);
		expect(flexitiEdgeCallers.createToken).toBeUndefined();
		expect(flexitiEdgeCallers.captureAuthorization).toEqual(["merchantApiKey"]);
		expect(flexitiEdgeCallers.initWidget).toEqual(["checkoutClientToken"]);
		expect(flexitiEdgeCallers.createAuthorization).toEqual(["merchantApiKey", "checkoutClientToken"]);
		expect(flexitiEdgeCallers.verifyAccount).toEqual(["merchantApiKey"]);
		expect(operations.length).toBeGreaterThanOrEqual(15);
	});

	it("what the edge lets through is valid for the caller, and what it stops is not", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...operations),
				fc.constantFrom<Caller>("merchantApiKey", "checkoutClientToken"),
				change,
				async (operation, caller, mutation) => {
					const built = await request(operation, caller, mutation);
					fc.pre(built !== undefined);
					if (!built) return;
					const { path, body } = built;
					const valid = validForSurface(operation.operationId, caller, path, body);
					const credential = caller === "merchantApiKey" ? MERCHANT_KEY : (await openCheckout(100)).client_token;
					const url = `${EDGE}/flexiti${operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(path[name] ?? ""))}`;
					const before = (await sandboxCalls(operation.operationId)).length;
					const response = await edgeFetch(
						new Request(url, {
							method: operation.method,
							headers: {
								authorization: `Bearer ${credential}`,
								...(body !== undefined ? { "content-type": "application/json" } : {}),
							},
							...(body !== undefined ? { body: JSON.stringify(body) } : {}),
						}),
					);
					const answer = await response.text();
					const reached = (await sandboxCalls(operation.operationId)).length > before;
					expect(
						{ reached, status: response.status },
						`${caller} ${operation.operationId} ${JSON.stringify({ path, body })} → ${answer}`,
					).toEqual({
						reached: valid,
						status: valid ? expect.any(Number) : expect.toSatisfy((s) => s === 401 || s === 403 || s === 409),
					});
				},
			),
			{ numRuns: 60 },
		);
	});
});
