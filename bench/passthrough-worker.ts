/**
 * The baseline the edge is measured against (`npm run bench`): a Worker that does nothing but relay.
 * `/flexiti/<rest>` becomes `<UPSTREAM_BASE_URL>/<rest>` — the same URL rewrite the edge does — and
 * the method, headers and body go upstream as they came; Flexiti's answer comes back as it is.
 * No authentication, validation, token handling or logging: whatever the edge costs beyond this is
 * the price of what it adds.
 */

interface Bindings {
	/** Flexiti's base path, e.g. http://127.0.0.1:8788/flexiti/pos-api (set by scripts/bench.ts). */
	UPSTREAM_BASE_URL: string;
}

const PREFIX = "/flexiti";

export default {
	async fetch(request: Request, env: Bindings): Promise<Response> {
		const url = new URL(request.url);
		if (!url.pathname.startsWith(`${PREFIX}/`)) return new Response(null, { status: 404 });
		const upstream = `${env.UPSTREAM_BASE_URL}${url.pathname.slice(PREFIX.length)}${url.search}`;
		// A Request as init carries method, headers and body over unchanged.
		return fetch(new Request(upstream, request));
	},
};
