/**
 * How tests talk to the sandbox's Online API: the generated typed client over a fetch that checks
 * every response against spec/flexiti-online-api.yaml, and the hosted checkout page as a browser
 * without script would use it (its forms, redirects not followed).
 */
import { exports } from "cloudflare:workers";
import { createFlexitiOnlineClient, type FlexitiOnlineClient } from "../../functions/client/index.ts";
import { onlineViolations } from "./conformance.ts";
import { DEMO } from "./demo-credentials.ts";

export const ONLINE_BASE_PATH = "/flexiti/online-api";

/** Calls a Worker (the sandbox, or the edge that forwards to it) and fails on any answer that breaks the Online API spec. */
export function conformingOnlineFetch(fetcher: (request: Request) => Promise<Response>) {
	return async (request: Request): Promise<Response> => {
		const response = await fetcher(request);
		const path = new URL(request.url).pathname.replace(/^.*\/flexiti\/online-api/, "");
		const violations = await onlineViolations(request.method, path, response);
		if (violations.length > 0) throw new Error(`Online API response breaks the spec:\n${violations.join("\n")}`);
		return response;
	};
}

/** The typed Online API client pointed at the sandbox (this test project's main Worker). */
export function onlineClient(origin: string, token?: string): FlexitiOnlineClient {
	return createFlexitiOnlineClient({
		baseUrl: `${origin}${ONLINE_BASE_PATH}`,
		fetch: conformingOnlineFetch((request) => exports.default.fetch(request)),
		...(token ? { token: () => token } : {}),
	});
}

/** A merchant token from the Online API's token endpoint. */
export async function mintOnlineToken(origin: string, client: { client_id: string; client_secret: string } = DEMO) {
	const { data, error } = await onlineClient(origin).POST("/oauth/token", {
		body: { ...client, grant_type: "client_credentials" },
		headers: { "content-type": "application/x-www-form-urlencoded" },
	});
	if (!data) throw new Error(`online token mint failed: ${JSON.stringify(error)}`);
	return data.access_token;
}

/** The hosted page's form, posted as the browser would (no redirect followed, so the test sees where it goes). */
export async function submitHostedForm(redirectionUrl: string, fields: Record<string, string>): Promise<Response> {
	const url = new URL(redirectionUrl);
	const body = new URLSearchParams({ key: url.searchParams.get("key") ?? "", ...fields });
	return exports.default.fetch(`${url.origin}${url.pathname}`, {
		method: "POST",
		body,
		headers: { "content-type": "application/x-www-form-urlencoded" },
		redirect: "manual",
	});
}
