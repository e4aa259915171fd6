/**
 * The typed clients read and write Flexiti's ids without rounding: an id past 2^53 (16 digits) comes
 * back as a `bigint` (the specs type such ids `number | bigint`), and a `bigint` in a body is written
 * as its digits. openapi-fetch reads JSON with `response.json()` and writes it with `JSON.stringify`,
 * which would round the first and throw on the second; see functions/contract/lossless-json.ts.
 */
import { type BodySerializer, defaultBodySerializer, type Middleware } from "openapi-fetch";
import { parseJson, stringifyJson } from "../contract/lossless-json.ts";

/** A response whose `json()` keeps integers past 2^53 exact. */
class LosslessJsonResponse extends Response {
	override async json<T>(): Promise<T> {
		return parseJson(await this.text()) as T;
	}
}

/**
 * openapi-fetch parses an answer with `response.json()` only when it has a Content-Length (otherwise
 * `JSON.parse` of its text, with no way to keep digits): a success is read here and handed on with
 * its length, to `LosslessJsonResponse.json()`. (Error envelopes carry no ids.)
 */
export const losslessAnswers: Middleware = {
	async onResponse({ response, options }) {
		if (options.parseAs !== "json" || !response.ok || response.status === 204) return undefined;
		const bytes = await response.arrayBuffer();
		const headers = new Headers(response.headers);
		headers.set("content-length", String(bytes.byteLength));
		return new LosslessJsonResponse(bytes, { status: response.status, statusText: response.statusText, headers });
	},
};

/**
 * openapi-fetch's own serializer (forms stay forms), with `bigint`s written as digits. openapi-fetch
 * calls it with the request's headers too (its declared type names the body only).
 */
export const losslessBodies: BodySerializer<unknown> = (body: unknown, ...headers: unknown[]) =>
	hasBigInt(body) ? stringifyJson(body) : withHeaders(body, headers[0]);

const withHeaders = defaultBodySerializer as (body: unknown, headers: unknown) => unknown;

function hasBigInt(value: unknown): boolean {
	if (typeof value === "bigint") return true;
	if (value === null || typeof value !== "object" || value instanceof FormData) return false;
	return Object.values(value).some(hasBigInt);
}
