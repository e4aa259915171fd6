/**
 * The generated spec of the `/flexiti` surface (generated/flexiti-edge-api.json, issue 17 item 3)
 * tells the truth about what the edge takes: over random requests (a valid one per operation and
 * caller, then one change: a field dropped or given another value, an undeclared field, a path id
 * that is no id), what the edge lets through to Flexiti is valid against the spec for that caller,
 * and what it stops is not. "Let through" is what the sandbox saw, not what the edge answered.
 * The spec's own word for the caller decides too: its security schemes. And every refusal the edge
 * gives there is what the surface's spec says that operation answers with that status (the edge's
 * error envelope and codes, `EdgeError<status>`), by Ajv and by the edge's own validator.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { checkoutFills } from "../../functions/contract/flexiti-surface-rules.ts";
import { validateRequest } from "../../functions/contract/validate-request.ts";
import surface from "../../generated/flexiti-edge-api.json";
import { flexitiEdgeCallers, flexitiEdgeRequestSchemas } from "../../generated/flexiti-edge-request-schemas.ts";
import { flexitiEdgeViolations } from "../support/conformance.ts";
import { ajvErrors, specAjv } from "../support/spec-ajv.ts";
import {
	CLIENT_ID,
	EDGE,
	edgeFetch,
	flexitiViaEdge,
	MERCHANT_KEY,
	openCheckout,
	resetSandbox,
	sandbox,
	sandboxCalls,
} from "./support.ts";

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
	// The shopper's checkout is for the account its widget named (shopperAfterWidget).
	if (body && caller === "checkoutClientToken" && "account_number" in body) {
		body.account_number = Number(PATH_VALUES.account_number);
	}
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
			// The checkout is for the account its widget named: another one is its rule (403), not the shape's.
			if (caller === "checkoutClientToken" && name === "account_number") return undefined;
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
					const credential = caller === "merchantApiKey" ? MERCHANT_KEY : await shopperAfterWidget();
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
					// A refusal is one the surface's spec documents for this operation and status (Ajv and ours).
					const problems = await flexitiEdgeViolations(operation.method, `/${url.split("/flexiti/")[1]}`, response);
					const answer = await response.text();
					const reached = (await sandboxCalls(operation.operationId)).length > before;
					if (!reached) expect(problems, `${operation.operationId} ${response.status} ${answer}`).toEqual([]);
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

/**
 * A shopper as the storefront makes one: a checkout whose widget was opened for the account the
 * requests name (a shopper's call names an account only after that: shopper-policy.ts).
 */
async function shopperAfterWidget(): Promise<string> {
	const token = (await openCheckout(100)).client_token;
	const widget = await flexitiViaEdge(token).POST("/v2.5/client-id/{client_id}/widget/init", {
		params: { path: { client_id: CLIENT_ID } },
		body: { flow: "purchase", customer_identification: { account_number: Number(PATH_VALUES.account_number) } },
	});
	expect(widget.response.status).toBe(200);
	return token;
}

const capturePath = `/v2.5/client-id/${CLIENT_ID}/authorization/1000001/capture`;
const widgetPath = `/v2.5/client-id/${CLIENT_ID}/widget/init`;
const widgetBody = { flow: "purchase", customer_identification: { account_number: 10000000000001 } };
const shopper = async () => (await openCheckout(100)).client_token;
const merchant = async () => MERCHANT_KEY;

interface Refusal {
	name: string;
	status: number;
	code: string;
	method: "GET" | "POST";
	path: string;
	credential: () => Promise<string | undefined>;
	body?: unknown;
	/** A sandbox fault to set first (Flexiti out of reach). */
	fault?: Record<string, unknown>;
}

/** The edge's own refusals on /flexiti, at least one per status it answers there (429: test/edge-limits). */
const refusals: Refusal[] = [
	{
		name: "no credential",
		status: 401,
		code: "invalid_credentials",
		method: "POST",
		path: capturePath,
		credential: async () => undefined,
		body: { amount: 1 },
	},
	{
		name: "an unknown key",
		status: 401,
		code: "invalid_credentials",
		method: "POST",
		path: capturePath,
		credential: async () => "fe_nobody",
		body: { amount: 1 },
	},
	{
		name: "a shopper's capture",
		status: 403,
		code: "insufficient_scope",
		method: "POST",
		path: capturePath,
		credential: shopper,
		body: { amount: 1 },
	},
	{
		name: "a merchant's widget",
		status: 403,
		code: "widget_needs_checkout",
		method: "POST",
		path: widgetPath,
		credential: merchant,
		body: widgetBody,
	},
	{
		name: "a client the edge does not know",
		status: 404,
		code: "unknown_client",
		method: "POST",
		path: "/v2.5/client-id/nobody/authorization/1000001/capture",
		credential: merchant,
		body: { amount: 1 },
	},
	{
		name: "an amount that is no number",
		status: 409,
		code: "wrong_inputs",
		method: "POST",
		path: capturePath,
		credential: merchant,
		body: { amount: "abc" },
	},
	{
		name: "a body over 64 KiB",
		status: 413,
		code: "payload_too_large",
		method: "POST",
		path: capturePath,
		credential: merchant,
		body: { amount: 1, reference: "x".repeat(70_000) },
	},
	{
		name: "Flexiti answering 500",
		status: 502,
		code: "upstream_error",
		method: "POST",
		path: widgetPath,
		credential: shopper,
		body: widgetBody,
		fault: { operation: "initWidget", count: 3, status: 500 },
	},
	{
		name: "Flexiti answering 503",
		status: 503,
		code: "upstream_unavailable",
		method: "POST",
		path: widgetPath,
		credential: shopper,
		body: widgetBody,
		fault: { operation: "initWidget", count: 3, status: 503 },
	},
	{
		name: "Flexiti not answering in time",
		status: 504,
		code: "upstream_timeout",
		method: "POST",
		path: widgetPath,
		credential: shopper,
		body: widgetBody,
		fault: { operation: "initWidget", kind: "slow", delay_ms: 3000 },
	},
];

describe("the edge's own refusals on /flexiti", () => {
	const surfaceAjv = specAjv("flexiti-edge-api", surface);

	it.each(refusals)(
		"$name: $status $code, which the surface's spec documents for that operation and status",
		async (refusal) => {
			const credential = await refusal.credential();
			if (refusal.fault) await sandbox("POST", "/sandbox/faults", refusal.fault);
			// edgeFetch checks every answer against the surface's spec already; here it is the point, so it is said.
			const response = await edgeFetch(
				new Request(`${EDGE}/flexiti${refusal.path}`, {
					method: refusal.method,
					headers: {
						...(credential ? { authorization: `Bearer ${credential}` } : {}),
						...(refusal.body !== undefined ? { "content-type": "application/json" } : {}),
					},
					...(refusal.body !== undefined ? { body: JSON.stringify(refusal.body) } : {}),
				}),
			);
			expect(await flexitiEdgeViolations(refusal.method, refusal.path, response)).toEqual([]);
			const body = await response.json();
			expect({ status: response.status, error: (body as { error?: unknown }).error }).toEqual({
				status: refusal.status,
				error: refusal.code,
			});
			// The edge's branch of the answer, not only Flexiti's looser envelope.
			const edgeError = surfaceAjv.at(`#/components/schemas/EdgeError${refusal.status}`);
			expect(edgeError(body), ajvErrors(edgeError).join("; ")).toBe(true);
		},
	);

	it("each status's edge schema takes only the edge's codes for it", () => {
		const edgeError = surfaceAjv.at("#/components/schemas/EdgeError409");
		expect(edgeError({ message: "Some inputs are wrong!", error: "wrong_inputs" })).toBe(true);
		// Flexiti's own 409 code is Flexiti's branch of the operation's answer, not the edge's.
		expect(edgeError({ message: "Amount exceeded", error: "auth_amount_exceeded" })).toBe(false);
		expect(surfaceAjv.at("#/components/schemas/EdgeError413")({ message: "x", error: "wrong_inputs" })).toBe(false);
	});
});
