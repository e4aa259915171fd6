import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../generated/flexiti-online-api.ts";
import { type FlexitiClientOptions, flexitiHeaders, type WithOptionalReferenceIds } from "./flexiti.ts";
import { losslessAnswers, losslessBodies } from "./lossless-ids.ts";

/**
 * As for the POS API client; `baseUrl` is the Online API's base path, e.g.
 * `https://onlineapi.flexiti.fi/flexiti/online-api`, and `x-reference-id` is required on its token
 * call, optional elsewhere (the client sets one on every call).
 */
export type FlexitiOnlineClientOptions = FlexitiClientOptions;

/** The spec's paths with `x-reference-id` optional everywhere: the client always sets it. */
export type FlexitiOnlineClientPaths = WithOptionalReferenceIds<paths>;

export type FlexitiOnlineClient = Client<FlexitiOnlineClientPaths>;

/**
 * A typed openapi-fetch client for Flexiti's Online API (hosted checkout, notifications, the
 * payment calculator), generated from spec/flexiti-online-api.yaml. A separate API from the POS
 * API, with its own host, so a separate client; the same token and tracing conventions (one middleware),
 * and the same lossless ids: a notification's `transaction_id` past 2^53 comes back as a `bigint`.
 */
export function createFlexitiOnlineClient(options: FlexitiOnlineClientOptions): FlexitiOnlineClient {
	const client = createClient<FlexitiOnlineClientPaths>({
		baseUrl: options.baseUrl,
		bodySerializer: losslessBodies,
		...(options.fetch ? { fetch: options.fetch } : {}),
	});
	client.use(flexitiHeaders(options), losslessAnswers);
	return client;
}
