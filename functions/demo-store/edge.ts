/**
 * The demo store's server side of the edge: the typed edge client with the merchant API key (which
 * never reaches a page), the storefront SDK's current file and integrity, and signed order events.
 */
import { Webhook } from "standardwebhooks";
import { createEdgeClient, type EdgeClient } from "../client/index.ts";
import type { DemoEnv } from "./env.ts";

export function edgeClient(env: DemoEnv): EdgeClient {
	return createEdgeClient({ baseUrl: env.EDGE_URL, credential: env.MERCHANT_API_KEY, fetch: reachEdge });
}

/** The edge could not be reached (refused, reset, timed out), or answered without what the store needs. */
export class EdgeUnavailable extends Error {}

/** A call to the edge; a failure to reach it is an `EdgeUnavailable`, which the store answers with its own page. */
async function reachEdge(request: Request): Promise<Response> {
	try {
		return await fetch(request);
	} catch (error) {
		throw new EdgeUnavailable(`The edge did not answer ${request.method} ${new URL(request.url).pathname}`, {
			cause: error,
		});
	}
}

export interface StorefrontScript {
	src: string;
	integrity: string;
}

/** The SDK's versioned path and SRI hash, from the edge's manifest (scripts/build-storefront.ts). */
export async function storefrontScript(env: DemoEnv): Promise<StorefrontScript> {
	const response = await reachEdge(new Request(`${env.EDGE_URL}/storefront/manifest.json`));
	if (!response.ok) throw new EdgeUnavailable(`The edge has no storefront manifest (${response.status})`);
	const manifest = (await response.json()) as { path: string; integrity: string };
	return { src: `${env.EDGE_URL}${manifest.path}`, integrity: manifest.integrity };
}

export type OrderEventType = "order.fulfilled" | "order.cancelled" | "order.refunded";

/** What the order system tells the edge, signed as Standard Webhooks (spec/edge-api.yaml → webhooks). */
export async function sendOrderEvent(
	env: DemoEnv,
	type: OrderEventType,
	reference: string,
	amount?: number,
): Promise<{ status: number; body: unknown }> {
	const id = `msg_${crypto.randomUUID()}`;
	const now = new Date();
	const body = JSON.stringify({
		type,
		timestamp: now.toISOString(),
		data: { reference, ...(amount === undefined ? {} : { amount }) },
	});
	const response = await reachEdge(
		new Request(`${env.EDGE_URL}/v1/webhooks/standard`, {
			method: "POST",
			headers: {
				"content-type": "application/json",
				"webhook-id": id,
				"webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
				"webhook-signature": new Webhook(env.STANDARD_WEBHOOK_SECRET).sign(id, now, body),
			},
			body,
		}),
	);
	return { status: response.status, body: await response.json().catch(() => null) };
}
