/** How edge tests talk to the edge (the test project's main Worker) and look at the sandbox behind it. */
import { env, evictDurableObject, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { createEdgeClient, createFlexitiEdgeClient } from "../../functions/client/index.ts";
import { checkoutSessions } from "../../functions/edge/callers/checkout-sessions.ts";
import { tokenCache } from "../../functions/edge/flexiti/token-cache.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import { edgeViolations, flexitiEdgeViolations } from "../support/conformance.ts";
import { DEMO, MERCHANT_KEY } from "../support/demo-credentials.ts";

export const EDGE = "https://edge.test";
export { MERCHANT_KEY, ROTATED_MERCHANT_KEY } from "../support/demo-credentials.ts";
export const CLIENT_ID = DEMO.client_id;
export const CLIENT_SECRET = DEMO.client_secret;

/**
 * Everything the edge answered through edgeFetch, for the secrets test: at least this test file's answers and,
 * as the edge project runs its files in one shared module graph (`isolate: false`), those of the files before it.
 */
export const seenResponses: { status: number; headers: [string, string][]; body: string }[] = [];

/**
 * The edge (this project's main Worker), with every answer checked against the spec it serves: the
 * spec of its /flexiti surface (generated/flexiti-edge-api.json) there, spec/edge-api.yaml elsewhere.
 * An answer that breaks it fails the test.
 */
export async function edgeFetch(request: Request): Promise<Response> {
	const { method } = request;
	const path = new URL(request.url).pathname;
	const response = await exports.default.fetch(request);
	const problems = path.startsWith("/flexiti/")
		? await flexitiEdgeViolations(method, path.slice("/flexiti".length), response)
		: await edgeViolations(method, path, response);
	if (problems.length > 0) throw new Error(`edge response breaks the spec:\n${problems.join("\n")}`);
	const copy = response.clone();
	seenResponses.push({ status: copy.status, headers: [...copy.headers], body: await copy.text() });
	return response;
}

/** The typed client of the edge's /flexiti surface (generated/flexiti-edge-api.json): no casts for what the edge differs in. */
export function flexitiViaEdge(credential: string) {
	return createFlexitiEdgeClient({ baseUrl: EDGE, credential, fetch: edgeFetch });
}

export function edgeApi(credential: string) {
	return createEdgeClient({ baseUrl: EDGE, credential, fetch: edgeFetch });
}

/** The sandbox's own controls, over the edge's FLEXITI service binding. */
export async function sandbox(method: string, path: string, body?: unknown): Promise<Response> {
	const flexiti = env.FLEXITI;
	return flexiti.fetch(`http://sandbox.test${path}`, {
		method,
		...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
	});
}

/**
 * A fresh start for a test: the sandbox back to its seed (which forgets every token it issued), and
 * the edge's merchant tokens forgotten too (this isolate's memory, KV and the token brokers), since
 * Flexiti would no longer accept them.
 */
export async function resetSandbox(): Promise<void> {
	await sandbox("POST", "/sandbox/reset");
	tokenCache.clearMemory();
	checkoutSessions.clear();
	await forgetBrokers();
	const kv = env.TOKENS;
	for (const { name } of (await kv.list()).keys) await kv.delete(name);
}

/**
 * Every token broker's storage and alarm emptied, and its instance evicted (so its memory goes too).
 * Eviction waits for the object's work in flight: a Flexiti call's timeout timer ends with the call
 * (flexiti/upstream.ts), so nothing is left to wait for.
 */
export async function forgetBrokers(): Promise<void> {
	for (const id of await listDurableObjectIds(env.TOKEN_BROKERS)) {
		const stub = env.TOKEN_BROKERS.get(id);
		await runInDurableObject(stub, async (_instance, state) => {
			await state.storage.deleteAlarm();
			await state.storage.deleteAll();
		});
		await evictDurableObject(stub).catch(() => {});
	}
}

export interface RecordedCall {
	operation: string;
	client_id: string;
	scope: string | null;
	status: number;
	reference_id: string | null;
	idempotency_key: string | null;
	grant_type?: string;
}

export async function sandboxCalls(operation?: string): Promise<RecordedCall[]> {
	const response = await sandbox("GET", `/sandbox/calls${operation ? `?operation=${operation}` : ""}`);
	return ((await response.json()) as { calls: RecordedCall[] }).calls;
}

/**
 * The POS API calls the sandbox answered, token mints apart: what a request forwarded through the edge
 * makes. The Online API's calls are left out: a hosted checkout of another test in this project polls
 * its notification on its own alarm, whenever that falls due (a test that asserted "nothing reached
 * Flexiti" over every call failed when one fell due during it).
 */
export async function forwardedCalls(): Promise<RecordedCall[]> {
	return (await sandboxCalls()).filter(
		(call) => call.operation in flexitiOperations && call.operation !== "createToken",
	);
}

export async function sandboxTokens(): Promise<{ access_token: string; refresh_token: string; scope: string }[]> {
	return ((await (await sandbox("GET", "/sandbox/tokens")).json()) as { tokens: [] }).tokens;
}

/** A checkout for a fresh order, and the shopper's client token. */
export async function openCheckout(amount = 249.99, reference = `WEB-${crypto.randomUUID().slice(0, 8)}`) {
	const { data, error } = await edgeApi(MERCHANT_KEY).POST("/v1/checkouts", { body: { reference, amount } });
	if (!data) throw new Error(`checkout failed: ${JSON.stringify(error)}`);
	return data;
}
