import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/flexiti-edge-api.ts";
import { losslessAnswers, losslessBodies } from "./lossless-ids.ts";

export interface FlexitiEdgeClientOptions {
	/** The edge's origin, e.g. `https://pay.example.com`: the client calls `{baseUrl}/flexiti/…`. */
	baseUrl: string;
	/** A merchant API key (server side) or a checkout's client token (browser side). */
	credential: string;
	fetch?: (request: Request) => Promise<Response>;
}

export type FlexitiEdgeClient = Client<paths>;

/**
 * A typed openapi-fetch client for Flexiti's POS API as the edge serves it under `/flexiti`
 * (generated/flexiti-edge-api.json, generated from spec/flexiti-pos-api.yaml and the edge's rules):
 * the edge's credentials, `x-reference-id` optional, a shopper's authorization without what the
 * checkout decides — no casts. Ids past 2^53 come back as bigints (see lossless-ids.ts).
 */
export function createFlexitiEdgeClient({ baseUrl, credential, fetch }: FlexitiEdgeClientOptions): FlexitiEdgeClient {
	const client = createClient<paths>({
		baseUrl: `${baseUrl.replace(/\/+$/, "")}/flexiti`,
		headers: { authorization: `Bearer ${credential}` },
		bodySerializer: losslessBodies,
		...(fetch ? { fetch } : {}),
	});
	client.use(losslessAnswers);
	return client;
}
