import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "../../generated/flexiti-online-api.ts";
import type { TokenProvider } from "./flexiti.ts";

export interface FlexitiOnlineClientOptions {
	/** The Online API's base path, e.g. `https://onlineapi.flexiti.fi/flexiti/online-api`. */
	baseUrl: string;
	/** Bearer token (merchant scope) for each call; omitted for `/oauth/token`, which authenticates with the form body. */
	token?: TokenProvider;
	/** `x-reference-id` for each call (required on the token call, optional elsewhere); a new GUID by default. */
	referenceId?: () => string;
	/** Stands in for the global fetch: a service binding, a test upstream, a fetch with a timeout. */
	fetch?: (request: Request) => Promise<Response>;
}

/** The spec's paths with `x-reference-id` optional everywhere: the client always sets it. */
export type FlexitiOnlineClientPaths = {
	[Path in keyof paths]: { [Method in keyof paths[Path]]: WithOptionalReferenceId<paths[Path][Method]> };
};
type WithOptionalReferenceId<Operation> = Operation extends { parameters: { header: infer Header } }
	? Omit<Operation, "parameters"> & {
			parameters: Omit<Operation["parameters"], "header"> & {
				header?: Omit<Header, "x-reference-id"> & { "x-reference-id"?: string };
			};
		}
	: Operation;

export type FlexitiOnlineClient = Client<FlexitiOnlineClientPaths>;

/**
 * A typed openapi-fetch client for Flexiti's Online API (hosted checkout, notifications, the
 * payment calculator), generated from spec/flexiti-online-api.yaml. A separate API from the POS
 * API, with its own host, so a separate client; the same token and tracing conventions.
 */
export function createFlexitiOnlineClient(options: FlexitiOnlineClientOptions): FlexitiOnlineClient {
	const client = createClient<FlexitiOnlineClientPaths>({
		baseUrl: options.baseUrl,
		...(options.fetch ? { fetch: options.fetch } : {}),
	});
	client.use(onlineHeaders(options));
	return client;
}

function onlineHeaders({ token, referenceId }: FlexitiOnlineClientOptions): Middleware {
	return {
		async onRequest({ request }) {
			if (!request.headers.has("x-reference-id")) {
				request.headers.set("x-reference-id", referenceId?.() ?? crypto.randomUUID());
			}
			const bearer = await token?.();
			if (bearer && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${bearer}`);
			return request;
		},
	};
}
