/**
 * One call of an operation of the table as the `Request` Flexiti gets, and Flexiti's answer read back:
 * what openapi-fetch's `request` does for a run-time operation id (the forwarder's, the orders'), done
 * directly. The gateway makes every forwarded call this way; openapi-fetch's generic path (headers
 * merged twice into new `Headers`, the path and query serializers, its middleware chain, a request id
 * per call) was about a tenth of the edge's own CPU per forwarded request, and the table already
 * says everything it would look up. The wire format is the same: the same URL, headers and JSON body.
 */
import { type FlexitiOperationId, flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { stringifyJson } from "../../contract/lossless-json.ts";
import type { UpstreamAnswer } from "./upstream.ts";

/** One call of an operation of the table, with parameters and body the spec already vouched for. */
export interface FlexitiCall {
	/** Path parameters by the spec's names. */
	params: Record<string, string>;
	query?: Record<string, string>;
	/** x-reference-id, x-idempotency-key, x-context-hash. */
	header: Record<string, string>;
	body?: unknown;
}

/** `{client_id}` and the like in the table's paths. */
const PATH_PARAMETER = /\{([^}]+)\}/g;

/**
 * The request for `call` of `operationId` under `baseUrl` (Flexiti's base path, without the version),
 * with the bearer token. Path parameters and query values are percent-encoded as openapi-fetch does
 * (`encodeURIComponent`); a body is JSON, its `bigint` ids written as digits (lossless-json.ts).
 */
export function operationRequest(
	baseUrl: string,
	operationId: FlexitiOperationId,
	call: FlexitiCall,
	accessToken: string,
): Request {
	const entry = flexitiOperations[operationId];
	const path = entry.path.replace(PATH_PARAMETER, (whole, name: string) => {
		const value = call.params[name];
		return value === undefined ? whole : encodeURIComponent(value);
	});
	// The headers as a plain record (names in lower case, as `Headers` would read them): the `Request`
	// makes its one `Headers` from it, where a `Headers` built here first was a second one, copied.
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(call.header)) headers[name.toLowerCase()] = value;
	// Flexiti requires one on every call; the forwarder and the orders always pass theirs.
	headers["x-reference-id"] ??= crypto.randomUUID();
	headers.authorization = `Bearer ${accessToken}`;
	let body: string | undefined;
	if (call.body !== undefined) {
		body = stringifyJson(call.body);
		headers["content-type"] ??= "application/json";
	}
	return new Request(`${baseUrl}${path}${queryString(call.query)}`, { method: entry.method, headers, body });
}

/** `?name=value&…`, or nothing for a call without a query (most calls). */
function queryString(query: Record<string, string> | undefined): string {
	let search = "";
	for (const [name, value] of Object.entries(query ?? {}))
		search += `${search ? "&" : "?"}${name}=${encodeURIComponent(value)}`;
	return search;
}

const utf8 = new TextDecoder();

/**
 * Flexiti's answer as the gateway keeps it: a success's text, or the error envelope parsed (else its
 * text). The bytes were read once, within the attempt's timeout (`upstreamExchange`), and are decoded
 * here as `Response.text()` decodes them (UTF-8, a byte order mark dropped, bad bytes replaced).
 */
export function readAnswer({ response, body }: UpstreamAnswer): { response: Response; text?: string; error?: unknown } {
	// No body to read (openapi-fetch's rule): a 204, or an empty answer that is not chunked.
	const empty =
		response.status === 204 ||
		(response.headers.get("content-length") === "0" && !response.headers.get("transfer-encoding")?.includes("chunked"));
	const text = () => (body === null ? "" : utf8.decode(body));
	if (response.ok) return { response, text: empty ? "" : text() };
	if (empty) return { response };
	const error = text();
	try {
		return { response, error: JSON.parse(error) };
	} catch {
		return { response, error };
	}
}
