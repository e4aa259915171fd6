/**
 * Single steps of the edge's work on a forwarded request, each run many times in one request, so that
 * `scripts/bench/micro.ts` can charge workerd's CPU to each (`GET /?step=<name>&n=<times>`). The load
 * bench (`npm run bench`) sees the edge as a whole, and at tens of microseconds per step its rounds
 * cannot tell one change from noise; these steps are the edge's own functions, called as the
 * forwarder calls them, in the same runtime.
 */

import { WorkerEntrypoint } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { createFlexitiClient } from "../../functions/client/flexiti.ts";
import { writeBigIntsAsJsonNumbers } from "../../functions/contract/lossless-json.ts";
import { matchOperation } from "../../functions/contract/match-operation.ts";
import { readJsonBody } from "../../functions/contract/read-json-body.ts";
import { validateRequest } from "../../functions/contract/validate-request.ts";
import { createEdgeApp } from "../../functions/edge/app.ts";
import { edgeConfig } from "../../functions/edge/core/config.ts";
import type { EdgeBindings } from "../../functions/edge/core/env.ts";
import { redact, redactingReplacer, redactRequestPath } from "../../functions/edge/core/redact.ts";
import { operationRequest } from "../../functions/edge/flexiti/operation-request.ts";
import { publishToken } from "../../functions/edge/flexiti/token-kv.ts";
import { flexitiRequestSchemas } from "../../generated/flexiti-request-schemas.ts";

const REFERENCE = "3f1e2d4c-1111-4222-8333-944445555666";
const ACCOUNT = "10000000000001";
const POST_PATH = `/flexiti/v2.5.1/client-id/flexitidemo/accounts/${ACCOUNT}/calculate-interest`;
const BODY = JSON.stringify({ amount: 234.45 });
const headers = new Headers({ "x-reference-id": REFERENCE, "content-type": "application/json" });
/** A request log line's fields, as a merchant POST fills them. */
const line = {
	reference_id: REFERENCE,
	operation: "calculateInterest",
	caller: "merchant",
	client_id: "flexitidemo",
	status: 200,
	duration_ms: 3,
	upstream_ms: 2,
	upstream_status: 200,
	token_source: "memory",
};
/** The typed client as the gateway used it for every call before operation-request.ts (its fetch answers at once). */
const client = createFlexitiClient({
	baseUrl: "http://flexiti.invalid/flexiti/pos-api",
	fetch: async () => new Response("{}"),
});
const postCall = {
	params: { client_id: "flexitidemo", account_number: ACCOUNT },
	header: { "x-reference-id": REFERENCE },
};

/** A webhook ack's signed delivery, as the bench's load generator signs it (scripts/bench/scenarios.ts). */
const webhookVerifier = new Webhook("whsec_h8dunegOhBX0JKCMNXI4iFLYNe7Z4lCq");
let delivery: { body: string; headers: Record<string, string> } | undefined;

/** Signed at the first request (the clock stands at 1970 while a Worker's module loads); verified as valid. */
function signedDelivery() {
	if (delivery) return delivery;
	const at = new Date();
	const id = "msg_bench_1_k2j3h4g5f6";
	const body = JSON.stringify({
		type: "order.cancelled",
		timestamp: at.toISOString(),
		data: { reference: "BENCH-WH-17" },
	});
	const headers = {
		"webhook-id": id,
		"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
		"webhook-signature": webhookVerifier.sign(id, at, body),
	};
	delivery = { body, headers };
	return delivery;
}

/**
 * The micro Worker's bindings: the edge's (its settings from .dev.vars.example, set by micro.ts, and
 * the TOKENS namespace), the upstream as a service binding to `FlexitiStub` below, and the spec's
 * example answers (as the bench's stub has them).
 */
type MicroBindings = EdgeBindings & { EXAMPLES: string };

/**
 * Flexiti as the bench's stub answers it (bench/stub-upstream-worker.ts): each operation's example at
 * once, over a service binding (FLEXITI, which the edge uses instead of the network when it is set),
 * so the whole forwarded request runs in this isolate with a real subrequest.
 */
export class FlexitiStub extends WorkerEntrypoint<MicroBindings> {
	override async fetch(request: Request): Promise<Response> {
		examples ??= new Map(Object.entries(JSON.parse(this.env.EXAMPLES)).map(([id, body]) => [id, JSON.stringify(body)]));
		await request.arrayBuffer();
		const path = new URL(request.url).pathname.replace(/^\/flexiti\/pos-api/, "");
		const matched = matchOperation(request.method, path);
		return new Response(examples.get(matched?.operationId ?? "") ?? "{}", {
			headers: { "content-type": "application/json", "x-reference-id": request.headers.get("x-reference-id") ?? "" },
		});
	}
}
let examples: Map<string, string> | undefined;

/** The edge itself, as its Worker (functions/edge/index.ts) serves it, and what a forwarded request needs besides the upstream. */
writeBigIntsAsJsonNumbers();
const edge = createEdgeApp();
/** Cloudflare's Rate Limiting binding is an in-memory counter there; locally a Durable Object (the load
 * bench pays it on both sides). Here it always allows, so the step is the edge's own work. */
const allowAll = { limit: async () => ({ success: true }) };
let edgeReady: Promise<void> | undefined;
let edgeEnv: MicroBindings | undefined;
let edgeCtx: ExecutionContext | undefined;

/** A merchant token in KV, as the broker would have published it: the edge's memory cache then holds it. */
function prepareEdge(env: MicroBindings): Promise<void> {
	edgeReady ??= publishToken(
		env.TOKENS,
		edgeConfig(env).tokenEncryptionKey,
		"flexitidemo",
		"merchant",
		{
			accessToken: "micro-bench-merchant-token",
			refreshToken: "micro-bench-refresh",
			expiresAt: Date.now() + 3_600_000,
		},
		Date.now(),
	);
	return edgeReady;
}

/**
 * One whole request through the edge (`app.fetch`, as its Worker's entry) with the merchant key, its
 * answer read; anything but `status` fails the step.
 */
async function throughEdge(method: "GET" | "POST", path: string, body?: string, status = 200): Promise<string> {
	if (!edgeEnv || !edgeCtx) throw new Error("the edge step needs its env (first request)");
	const request = new Request(`http://edge.invalid${path}`, {
		method,
		headers: {
			authorization: `Bearer ${MERCHANT_KEY}`,
			...(body ? { "content-type": "application/json" } : {}),
		},
		body,
	});
	const response = await edge.fetch(request, edgeEnv, edgeCtx);
	if (response.status !== status) throw new Error(`edge answered ${response.status}: ${await response.text()}`);
	return response.text();
}
/**
 * The same request through what the load bench's pass-through does (bench/passthrough-worker.ts: the
 * rate limit call, the URL rewrite, the request relayed as it came, the answer returned as it came),
 * over the same service binding: the edge's whole request less this is its added work, in one isolate.
 */
async function passThrough(method: "GET" | "POST", path: string, body?: string): Promise<string> {
	if (!edgeEnv?.FLEXITI) throw new Error("the pass-through step needs the FLEXITI binding (first request)");
	const request = new Request(`http://edge.invalid${path}`, {
		method,
		headers: { authorization: "Bearer a-flexiti-token", ...(body ? { "content-type": "application/json" } : {}) },
		body,
	});
	const url = new URL(request.url);
	await edgeEnv.MERCHANT_LIMITER.limit({ key: "key:bench" });
	const upstream = `http://flexiti.invalid/flexiti/pos-api${url.pathname.slice("/flexiti".length)}${url.search}`;
	const response = await edgeEnv.FLEXITI.fetch(new Request(upstream, request));
	return response.text();
}
/** .dev.vars.example's merchant key (local only). */
const MERCHANT_KEY = "fe_local_merchant_key_not_for_production";

const steps: Record<string, () => unknown> = {
	/** The loop's own cost, to subtract. */
	nothing: () => undefined,
	"match operation": () =>
		matchOperation("POST", `/v2.5.1/client-id/flexitidemo/accounts/${Math.random()}/calculate-interest`),
	"read JSON body (with its Request)": () =>
		readJsonBody(new Request("http://edge.invalid/", { method: "POST", headers, body: BODY }), "expected"),
	"a Request with a body": () => new Request("http://edge.invalid/", { method: "POST", headers, body: BODY }),
	"validate GET parameters": () =>
		validateRequest(
			flexitiRequestSchemas.getTermsAndConditions,
			{ path: { client_id: "flexitidemo" }, query: new URLSearchParams(), headers, body: undefined },
			{ closed: true },
		),
	"validate POST parameters and body": () =>
		validateRequest(
			flexitiRequestSchemas.calculateInterest,
			{ path: postCall.params, query: new URLSearchParams(), headers, body: { amount: 234.45 } },
			{ closed: true },
		),
	"upstream request: openapi-fetch (before)": () =>
		client.POST("/v2.5.1/client-id/{client_id}/accounts/{account_number}/calculate-interest", {
			params: {
				path: { client_id: "flexitidemo", account_number: Number(ACCOUNT) },
				header: { "x-reference-id": REFERENCE },
			},
			headers: { authorization: "Bearer token" },
			body: { amount: 234.45 },
			parseAs: "text",
		}),
	"upstream request: operationRequest": async () =>
		(
			await fetchNothing(
				operationRequest(
					"http://flexiti.invalid/flexiti/pos-api",
					"calculateInterest",
					{ ...postCall, body: { amount: 234.45 } },
					"token",
				),
			)
		).text(),
	"log line: redact() copy (before)": async () =>
		JSON.stringify(
			redact({ event: "request", method: "POST", path: await redactRequestPath(POST_PATH, true), ...line }),
		),
	"log line: redactingReplacer": async () =>
		JSON.stringify(
			{ event: "request", method: "POST", path: await redactRequestPath(POST_PATH, true), ...line },
			redactingReplacer,
		),
	"console.log of the line": () => console.log(JSON.stringify(line)),
	"new Error (an EdgeError's stack)": () => new Error("refused"),
	// The edge's whole requests, from what every request pays (the log line, security headers, Hono) to
	// a forwarded call: each one's cost less the one before is what its extra steps cost.
	"edge: GET /healthz (whole request)": () => throughEdge("GET", "/healthz"),
	"edge: merchant GET of no Flexiti operation, a 404 (whole request)": () =>
		throughEdge("GET", "/flexiti/v2.5.1/client-id/flexitidemo/no-such-operation", undefined, 404),
	"edge: merchant GET captures (whole request)": () =>
		throughEdge("GET", "/flexiti/v2.5.1/client-id/flexitidemo/captures"),
	"edge: merchant POST calculate-interest (whole request)": () => throughEdge("POST", POST_PATH, BODY),
	"pass-through: merchant GET captures (whole request)": () =>
		passThrough("GET", "/flexiti/v2.5.1/client-id/flexitidemo/captures"),
	"pass-through: merchant POST calculate-interest (whole request)": () => passThrough("POST", POST_PATH, BODY),
	"webhook signature: standardwebhooks package": () => {
		const { body, headers } = signedDelivery();
		webhookVerifier.verify(body, headers, { jsonParse: false });
	},
};

async function fetchNothing(_request: Request): Promise<Response> {
	return new Response("{}");
}

export default {
	async fetch(request: Request, env: MicroBindings, ctx: ExecutionContext): Promise<Response> {
		edgeEnv ??= {
			...env,
			MERCHANT_LIMITER: allowAll,
			CHECKOUT_LIMITER: allowAll,
			CHECKOUT_CREATION_LIMITER: allowAll,
			SHOPPER_IP_LIMITER: allowAll,
		};
		edgeCtx = ctx;
		await prepareEdge(env);
		const url = new URL(request.url);
		const name = url.searchParams.get("step") ?? "";
		const step = steps[name];
		if (!step) return Response.json(Object.keys(steps), { status: name ? 404 : 200 });
		const times = Number(url.searchParams.get("n") ?? "1");
		for (let i = 0; i < times; i++) await step();
		return new Response(null, { status: 204 });
	},
};
