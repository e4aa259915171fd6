import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/flexiti-pos-api.ts";
import { losslessAnswers, losslessBodies } from "./lossless-ids.ts";

/** Where a bearer token comes from: a token cache in the worker, a session in a browser. */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

export interface FlexitiClientOptions {
	/** Flexiti's base path without the version segment, e.g. `https://posapi-mi.flexiti.fi/flexiti/pos-api`. */
	baseUrl: string;
	/** Bearer token for each call; omitted for `/oauth/token`, which authenticates with the form body. */
	token?: TokenProvider;
	/**
	 * `x-reference-id` for each call. Flexiti requires one on every request and uses it to trace a
	 * whole flow, so callers that have a flow id (a checkout) pass it; otherwise each call gets a new GUID.
	 */
	referenceId?: () => string;
	/** Stands in for the global fetch: a service binding, a test upstream, a fetch with a timeout. */
	fetch?: (request: Request) => Promise<Response>;
}

/**
 * The spec's paths as a caller sees them through this client: `x-reference-id` is required by
 * Flexiti on every call, and the client always sets it, so callers may leave it out.
 */
export type FlexitiClientPaths = WithOptionalReferenceIds<paths>;

/** A Flexiti spec's paths with `x-reference-id` optional on every operation (the POS and the Online API alike). */
export type WithOptionalReferenceIds<Paths> = {
	[Path in keyof Paths]: { [Method in keyof Paths[Path]]: WithOptionalReferenceId<Paths[Path][Method]> };
};
type WithOptionalReferenceId<Operation> = Operation extends { parameters: { header: infer Header } }
	? Omit<Operation, "parameters"> & {
			parameters: Omit<Operation["parameters"], "header"> & {
				header?: Omit<Header, "x-reference-id"> & { "x-reference-id"?: string };
			};
		}
	: Operation;

export type FlexitiClient = Client<FlexitiClientPaths>;

/**
 * A typed openapi-fetch client for the Flexiti POS API, generated from spec/flexiti-pos-api.yaml.
 * Paths carry their version segment (`/v2.5/…`, `/v2.5.1/…`), so `baseUrl` stops at `/pos-api`.
 */
export function createFlexitiClient(options: FlexitiClientOptions): FlexitiClient {
	const client = createClient<FlexitiClientPaths>({
		baseUrl: options.baseUrl,
		bodySerializer: losslessBodies,
		...(options.fetch ? { fetch: options.fetch } : {}),
	});
	client.use(flexitiHeaders(options), losslessAnswers);
	return client;
}

/** Flexiti's conventions on every call, for either of its APIs: an `x-reference-id` and the bearer token. */
export function flexitiHeaders({ token, referenceId }: FlexitiClientOptions): Middleware {
	return {
		async onRequest({ request }) {
			// An explicit header on the call wins: it continues a flow the caller is tracing.
			if (!request.headers.has("x-reference-id")) {
				request.headers.set("x-reference-id", referenceId?.() ?? crypto.randomUUID());
			}
			const bearer = await token?.();
			if (bearer && !request.headers.has("authorization")) {
				request.headers.set("authorization", `Bearer ${bearer}`);
			}
			return request;
		},
	};
}
