import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/edge-api.ts";
import { losslessAnswers, losslessBodies } from "./lossless-ids.ts";

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
	const client = createClient<paths>({
		baseUrl,
		headers: { authorization: `Bearer ${credential}` },
		// Flexiti's ids past 2^53 stay exact (bigints): see lossless-ids.ts.
		bodySerializer: losslessBodies,
		...(fetch ? { fetch } : {}),
	});
	client.use(losslessAnswers);
	return client;
}
