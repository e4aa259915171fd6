/**
 * One structured JSON line per request: what was called, by whom, how it went and how long it took
 * (in all, and at Flexiti), and where the Flexiti token came from. Bodies are never logged; every
 * field still goes through `redact`'s rules (as the line is written), and the path through
 * `redactRequestPath` (account numbers masked, order references hashed; of a path that reached no
 * route, only the routes' own words).
 */
import { createMiddleware } from "hono/factory";
import type { EdgeEnv } from "./context.ts";
import { redactingReplacer, redactRequestPath } from "./redact.ts";

export interface RequestLog {
	reference_id?: string;
	operation?: string;
	caller?: string;
	client_id?: string;
	checkout_id?: string;
	status?: number;
	error?: string;
	duration_ms?: number;
	upstream_ms?: number;
	upstream_status?: number;
	/** memory | kv | minted | stale | checkout | refreshed-on-401 */
	token_source?: string;
}

declare module "hono" {
	interface ContextVariableMap {
		/** This request's log line, filled in by whoever learns something worth logging. */
		log: RequestLog;
	}
}

export const requestLog = createMiddleware<EdgeEnv>(async (c, next) => {
	const started = Date.now();
	const log: RequestLog = {};
	c.set("log", log);
	try {
		await next();
	} finally {
		log.status = c.res.status;
		log.duration_ms = Date.now() - started;
		// A path that reached an operation, or was answered (a docs page), has only ids and route words.
		const path = await redactRequestPath(c.req.path, log.operation !== undefined || c.res.status < 400);
		console.log(JSON.stringify({ event: "request", method: c.req.method, path, ...log }, redactingReplacer));
	}
});
