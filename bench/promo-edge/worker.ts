/**
 * The edge as the "as low as" bench (scripts/bench/promo.ts) runs it: the edge itself, unchanged —
 * its every route, bindings and Durable Objects — plus one bench-only path, never deployed.
 *
 * `GET /bench/healthz-rate-limited` is the edge's `/healthz` after the one Rate Limiting call the
 * promotional-message route makes (SHOPPER_IP_LIMITER, per source address): the baseline the promo is
 * compared to. `/healthz` itself is not limited, and locally each limiter call is Miniflare's emulation
 * of the binding (a Durable Object with SQLite in the Worker's own workerd) — not the in-memory counter
 * it is on Cloudflare — which on a busy machine costs more than a cached promo answer's own work. With
 * the same call on both sides, as the forwarding scenarios' pass-through makes it (bench/passthrough-worker.ts),
 * that emulation is not charged to the promo; the same isolate, no extra hop.
 */

import type { EdgeBindings } from "../../functions/edge/core/env.ts";
import edge, { Order, Reconciliation, TokenBrokerObject } from "../../functions/edge/index.ts";

export { Order, Reconciliation, TokenBrokerObject };

const RATE_LIMITED_HEALTHZ = "/bench/healthz-rate-limited";

export default {
	async fetch(request, env, ctx) {
		const url = new URL(request.url);
		if (url.pathname !== RATE_LIMITED_HEALTHZ) return edge.fetch(request, env, ctx);
		// The key the promo route's limit uses (callers/rate-limits.ts `shopperIpLimit`).
		await env.SHOPPER_IP_LIMITER.limit({ key: `ip:${request.headers.get("cf-connecting-ip") ?? "unknown"}` });
		return edge.fetch(new Request(new URL("/healthz", url), request), env, ctx);
	},
} satisfies ExportedHandler<EdgeBindings>;
