/**
 * The whole storefront path on loopback, as `npm start` runs it but on ephemeral ports with in-memory
 * state: the Flexiti sandbox, the edge pointed at it, and the demo store pointed at the edge. The
 * store's origin must be in the edge's STOREFRONT_ORIGINS (CORS) before the edge starts, so its port
 * is chosen first (a free one outside the system's ephemeral range: test/support/free-ports.ts).
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { localSettings } from "../../scripts/bench/workers.ts";
import { buildAssets } from "../../scripts/build-assets.ts";
import { type Binding, type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";
import { MERCHANT_KEY } from "../support/demo-credentials.ts";
import { freePorts } from "../support/free-ports.ts";

export interface StorefrontStack {
	sandbox: string;
	edge: string;
	store: string;
	merchantKey: string;
	stop(): Promise<void>;
}

export { MERCHANT_KEY };

/** The demo store's local secrets (functions/demo-store/.dev.vars.example, which npm start copies to its .dev.vars). */
const STORE_SECRETS = parseEnv(readFileSync("functions/demo-store/.dev.vars.example", "utf8"));
/** The demo store's EVENTS_SECRET: the edge signs its events to the store with it. */
export const STORE_EVENTS_SECRET = STORE_SECRETS.EVENTS_SECRET ?? "";

export async function startStorefrontStack(edgeSettings: Record<string, string> = {}): Promise<StorefrontStack> {
	buildAssets();
	const workers: LocalWorker[] = [];
	const start = async (config: string, bindings: Record<string, Binding>, port = 0) => {
		const started = await startLocalWorker(config, bindings, { port });
		workers.push(started.worker);
		return started.origin;
	};
	try {
		const sandbox = await start("functions/sandbox/wrangler.toml", {});
		const [storePort = 0] = await freePorts(1);
		const store = `http://127.0.0.1:${storePort}`;
		const plain = (value: string): Binding => ({ type: "plain_text", value });
		const secrets = Object.fromEntries(
			Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } as Binding]),
		);
		const edge = await start("wrangler.toml", {
			...secrets,
			FLEXITI_BASE_URL: plain(`${sandbox}/flexiti/pos-api`),
			FLEXITI_ONLINE_BASE_URL: plain(`${sandbox}/flexiti/online-api`),
			STOREFRONT_ORIGINS: plain(store),
			WEBHOOK_RETRY_BASE_MS: plain("50"),
			// The edge's events go to the store (its signed checkout.authorized marks an order paid), retried fast.
			EVENT_ENDPOINTS: plain(
				JSON.stringify({
					flexitidemo: [
						{ url: `${store}/flexiti-events`, secrets: [STORE_EVENTS_SECRET], types: ["checkout.authorized"] },
					],
				}),
			),
			EVENT_RETRY_BASE_MS: plain("50"),
			...Object.fromEntries(Object.entries(edgeSettings).map(([name, value]) => [name, plain(value)])),
		});
		await start(
			"functions/demo-store/wrangler.toml",
			{
				...Object.fromEntries(
					Object.entries(STORE_SECRETS).map(([name, value]) => [name, { type: "secret_text", value } as Binding]),
				),
				EDGE_URL: plain(edge),
				WIDGET_ORIGIN: plain(sandbox),
			},
			storePort,
		);
		return {
			sandbox,
			edge,
			store,
			merchantKey: MERCHANT_KEY,
			stop: async () => {
				await Promise.allSettled(workers.map((worker) => worker.dispose()));
			},
		};
	} catch (error) {
		await Promise.allSettled(workers.map((worker) => worker.dispose()));
		throw error;
	}
}
