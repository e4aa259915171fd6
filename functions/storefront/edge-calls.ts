/**
 * The SDK's calls to the edge, with the checkout's client token as the bearer credential (never in a
 * URL, never stored). An answer the edge refused becomes a FlexitiEdgeError with the edge's or
 * Flexiti's own code; a 401 (client token expired or replaced) asks the merchant page for a fresh
 * token once, when it gave `refreshClientToken`, and otherwise is `expired`.
 */
import type { components as EdgeSchemas } from "../../generated/edge-api.ts";
import { parseJson } from "../contract/lossless-json.ts";
import { type FieldError, FlexitiEdgeError } from "./errors.ts";

export type Checkout = EdgeSchemas["schemas"]["Checkout"];

export interface EdgeCallOptions {
	/** The edge's origin, e.g. `https://pay.example.com`. */
	edge: string;
	checkoutId: string;
	clientToken: string;
	/** Asked once when the edge no longer accepts the client token; resolve with a fresh one from your server. */
	refreshClientToken?: () => Promise<string>;
}

export class EdgeCalls {
	private token: string;
	private readonly base: string;

	constructor(private readonly options: EdgeCallOptions) {
		this.token = options.clientToken;
		this.base = options.edge.replace(/\/+$/, "");
	}

	checkout(): Promise<Checkout> {
		return this.call("GET", `/v1/checkouts/${encodeURIComponent(this.options.checkoutId)}`);
	}

	/** A Flexiti operation through the edge's forwarder, e.g. `/v2.5/client-id/flexitidemo/widget/init`. */
	flexiti<T>(path: string, body: unknown): Promise<T> {
		return this.call("POST", `/flexiti${path}`, body);
	}

	private async call<T>(method: string, path: string, body?: unknown, refreshed = false): Promise<T> {
		let response: Response;
		try {
			response = await fetch(this.base + path, {
				method,
				headers: {
					authorization: `Bearer ${this.token}`,
					...(body === undefined ? {} : { "content-type": "application/json" }),
				},
				...(body === undefined ? {} : { body: JSON.stringify(body) }),
				credentials: "omit",
				cache: "no-store",
			});
		} catch {
			throw new FlexitiEdgeError("network", "The payment service could not be reached");
		}
		// Flexiti's 16-digit ids can pass 2^53: read without rounding (a bigint past it).
		const answer = (await response
			.text()
			.then(parseJson)
			.catch(() => ({}))) as {
			error?: unknown;
			message?: unknown;
			field_errors?: FieldError[];
		};
		if (response.ok) return answer as T;
		if (response.status === 401) {
			if (!refreshed && this.options.refreshClientToken) {
				this.token = await this.options.refreshClientToken();
				return this.call(method, path, body, true);
			}
			throw new FlexitiEdgeError(
				"expired",
				"The checkout's client token is no longer valid: ask your server for a fresh one (refreshClientToken)",
				401,
			);
		}
		const code = typeof answer.error === "string" ? answer.error : `http_${response.status}`;
		const message = typeof answer.message === "string" ? answer.message : `The edge answered ${response.status}`;
		const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
		throw new FlexitiEdgeError(
			code,
			message,
			response.status,
			answer.field_errors,
			retryAfter >= 0 ? retryAfter : undefined,
		);
	}
}
