import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/edge-api.ts";

export interface EdgeClientOptions {
	/** The edge's origin, e.g. `http://127.0.0.1:8787`. */
	baseUrl: string;
	/** A merchant API key (server side) or a checkout's client token (browser side). */
	credential: string;
	fetch?: (request: Request) => Promise<Response>;
}

export type EdgeClient = Client<paths>;

/** A typed openapi-fetch client for the edge's own routes (spec/edge-api.yaml). */
export function createEdgeClient({ baseUrl, credential, fetch }: EdgeClientOptions): EdgeClient {
	return createClient<paths>({
		baseUrl,
		headers: { authorization: `Bearer ${credential}` },
		...(fetch ? { fetch } : {}),
	});
}
