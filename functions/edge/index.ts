/**
 * Flexiti Edge: the Worker between storefronts, order systems and the Flexiti POS API.
 * See app.ts for its routes; each order's state lives in an `Order` Durable Object, each client and
 * day's reconciliation with Flexiti in a `Reconciliation` one, run daily by the Cron Trigger below.
 */
import { writeBigIntsAsJsonNumbers } from "../contract/lossless-json.ts";
import { createEdgeApp } from "./app.ts";
import { edgeConfig } from "./core/config.ts";
import type { EdgeBindings } from "./core/env.ts";
import { reconcileYesterday } from "./reconciliation/run.ts";

export { TokenBrokerObject } from "./flexiti/token-broker-object.ts";
export { Order } from "./orders/order.ts";
export { Reconciliation } from "./reconciliation/reconciliation-object.ts";

// Flexiti's ids past 2^53 are bigints here (lossless-json.ts): every answer writes them as digits.
writeBigIntsAsJsonNumbers();

const app = createEdgeApp();

export default {
	fetch: app.fetch,
	/** `[triggers] crons` in wrangler.toml: reconcile yesterday with Flexiti, for every client. */
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(reconcileYesterday(env, edgeConfig(env).clientIds, controller.scheduledTime));
	},
} satisfies ExportedHandler<EdgeBindings>;
