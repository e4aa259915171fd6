/**
 * The baseline the edge is measured against (`npm run bench`): a Worker that does nothing but relay.
 * `/flexiti/<rest>` becomes `<UPSTREAM_BASE_URL>/<rest>` — the same URL rewrite the edge does — and
 * the method, headers and body go upstream as they came; Flexiti's answer comes back as it is.
 * No authentication, validation, token handling or logging: whatever the edge costs beyond this is
 * the price of what it adds.
 *
 * One exception, asked for by the bench with `x-bench-rate-limits: <LIMITER>=<key>,…`: it first makes
 * the same Rate Limiting calls the edge makes for that caller. Locally each call is Miniflare's
 * emulation of the binding (a Durable Object with SQLite, in the Worker's own workerd), not the
 * in-memory counter it is on Cloudflare; with the same calls on both sides, that emulation is not
 * charged to the edge's own work.
 */

interface Bindings {
	/** Flexiti's base path, e.g. http://127.0.0.1:8788/flexiti/pos-api (set by scripts/bench.ts). */
	UPSTREAM_BASE_URL: string;
	/** The edge's limiters, by the same names (set by scripts/bench.ts). */
	[limiter: string]: unknown;
}

interface Limiter {
	limit(options: { key: string }): Promise<{ success: boolean }>;
}

const PREFIX = "/flexiti";
const RATE_LIMITS = "x-bench-rate-limits";

export default {
	async fetch(request: Request, env: Bindings): Promise<Response> {
		const url = new URL(request.url);
		if (!url.pathname.startsWith(`${PREFIX}/`)) return new Response(null, { status: 404 });
		const upstream = `${env.UPSTREAM_BASE_URL}${url.pathname.slice(PREFIX.length)}${url.search}`;
		const limits = request.headers.get(RATE_LIMITS);
		if (limits) {
			for (const entry of limits.split(",")) {
				const [name = "", key = ""] = entry.split("=");
				await (env[name] as Limiter).limit({ key });
			}
			const relayed = new Request(upstream, request);
			relayed.headers.delete(RATE_LIMITS);
			return fetch(relayed);
		}
		// A Request as init carries method, headers and body over unchanged.
		return fetch(new Request(upstream, request));
	},
};
