/**
 * A merchant's event endpoint, for the events tests: the edge's outbound fetches reach this Worker
 * (miniflare's outboundService), which records every request as received (headers and raw body, so
 * the test verifies signatures itself with the `standardwebhooks` library) and answers as the test
 * scripted it: a list of statuses per path, then 200; `"hang"` answers only after `hang_ms`; `"429:120"`
 * answers 429 with `Retry-After: 120`.
 * Control routes, under http://receiver.test/control/: POST script, GET log?path=, POST reset[?path=…].
 */
const received = [];
const scripts = new Map();

export default {
	async fetch(request) {
		const url = new URL(request.url);
		if (url.pathname === "/control/script") {
			const { path, answers, hang_ms } = await request.json();
			scripts.set(path, { answers: [...answers], hangMs: hang_ms ?? 5000 });
			return Response.json({ ok: true });
		}
		if (url.pathname === "/control/log") {
			const path = url.searchParams.get("path");
			return Response.json(received.filter((r) => !path || r.path === path));
		}
		if (url.pathname === "/control/reset") {
			// Only the paths named (each test file resets its own endpoints; files may run side by side).
			const paths = url.searchParams.getAll("path");
			const kept = received.filter((r) => paths.length > 0 && !paths.includes(r.path));
			received.splice(0, received.length, ...kept);
			for (const path of paths.length > 0 ? paths : [...scripts.keys()]) scripts.delete(path);
			return Response.json({ ok: true });
		}
		const script = scripts.get(url.pathname);
		const answer = script?.answers.shift() ?? 200;
		received.push({
			path: url.pathname,
			host: url.host,
			method: request.method,
			headers: Object.fromEntries(request.headers),
			body: await request.text(),
			answer,
		});
		if (answer === "hang") {
			await new Promise((resolve) => setTimeout(resolve, script.hangMs));
			return new Response("too late", { status: 200 });
		}
		// "429:120": the status, with `Retry-After: 120`.
		const [status, retryAfter] = String(answer).split(":").map(Number);
		const headers = retryAfter === undefined ? {} : { "retry-after": String(retryAfter) };
		return new Response(status >= 200 && status < 300 ? "ok" : "no", { status, headers });
	},
};
