/**
 * How sandbox tests talk to the sandbox: through the generated typed client, over a fetch that checks
 * every response against the spec (the operation's documented statuses and response schema).
 * A response that breaks the spec fails the test that received it.
 */

import { exports } from "cloudflare:workers";
import { createFlexitiClient, type FlexitiClient } from "../../functions/client/index.ts";
import { flexitiViolations } from "./conformance.ts";

export const SANDBOX_ORIGIN = "http://127.0.0.1:8788";
export const BASE_URL = `${SANDBOX_ORIGIN}/flexiti/pos-api`;

import { DEMO } from "./demo-credentials.ts";

export { DEMO, DEMO2 } from "./demo-credentials.ts";

/** Checks a sandbox response against the spec; returns what is wrong (empty when it conforms). */
export function specViolations(request: Request, response: Response): Promise<string[]> {
	const path = new URL(request.url).pathname.replace(/^\/flexiti\/pos-api/, "");
	return flexitiViolations(request.method, path, response);
}

/** The sandbox Worker (the test project's main worker), with every response checked against the spec. */
export async function conformingFetch(request: Request): Promise<Response> {
	const response = await exports.default.fetch(request);
	const violations = await specViolations(request, response);
	if (violations.length > 0) throw new Error(`sandbox response breaks the spec:\n${violations.join("\n")}`);
	return response;
}

/** The generated typed client, pointed at the sandbox. */
export function sandboxClient(token?: string): FlexitiClient {
	return createFlexitiClient({ baseUrl: BASE_URL, fetch: conformingFetch, ...(token ? { token: () => token } : {}) });
}

/** A token of the given scope, minted through the real token endpoint. */
export async function mintToken(
	scope: "merchant" | "customer" = "merchant",
	client: { client_id: string; client_secret: string } = DEMO,
) {
	const { data, error } = await sandboxClient().POST("/v2.5/oauth/token", {
		body: { ...client, grant_type: "client_credentials", scope },
		headers: { "content-type": "application/x-www-form-urlencoded" },
	});
	if (!data) throw new Error(`token mint failed: ${JSON.stringify(error)}`);
	return data;
}

/** Calls the sandbox's own controls (/sandbox/…). */
export async function sandboxAdmin(method: string, path: string, body?: unknown): Promise<Response> {
	return exports.default.fetch(`${SANDBOX_ORIGIN}/sandbox${path}`, {
		method,
		...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
	});
}

export async function resetSandbox(): Promise<void> {
	const response = await sandboxAdmin("POST", "/reset");
	if (!response.ok) throw new Error(`reset failed: ${response.status}`);
}

/** What the sandbox recorded of calls to one operation. */
export async function recordedCalls(operation: string) {
	const response = await sandboxAdmin("GET", `/calls?operation=${operation}`);
	return (
		(await response.json()) as {
			calls: { operation: string; scope: string | null; status: number; idempotency_key: string | null }[];
		}
	).calls;
}
