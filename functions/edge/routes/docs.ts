/**
 * The API reference pages and the raw specs (scripts/build-assets.ts builds them from spec/ into the
 * Worker's static assets). Cloudflare serves the files; the Worker is asked first only for these paths
 * (wrangler.toml `run_worker_first`) so that one setting, API_DOCS = "off", can withhold them.
 */
import type { Handler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { ConfigError } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";

/** Where the pages and specs live; app.ts keeps its JSON-only headers off these. */
export const DOCS_PATHS = ["/docs", "/docs/*", "/openapi/*"];

/**
 * Whether a path is one of DOCS_PATHS, as Hono's router matches them (`/x/*` takes `/x` itself too):
 * asked of every request, so a string comparison rather than a router lookup.
 */
export function isDocsPath(path: string): boolean {
	return DOCS_PATHS.some((pattern) =>
		pattern.endsWith("/*") ? path === pattern.slice(0, -2) || path.startsWith(pattern.slice(0, -1)) : path === pattern,
	);
}

// Redoc's page is one self-contained file: inline scripts and styles, data: images and fonts, its
// search in a blob: worker. Nothing may come from elsewhere, and the page still may not be framed.
export const docsHeaders = secureHeaders({
	contentSecurityPolicy: {
		defaultSrc: ["'none'"],
		scriptSrc: ["'unsafe-inline'", "blob:"],
		styleSrc: ["'unsafe-inline'"],
		imgSrc: ["'self'", "data:"],
		fontSrc: ["'self'", "data:"],
		workerSrc: ["blob:"],
		connectSrc: ["'self'"],
		baseUri: ["'none'"],
		formAction: ["'none'"],
		frameAncestors: ["'none'"],
	},
	xFrameOptions: "DENY",
	referrerPolicy: "no-referrer",
});

/** Hands the request to the static assets, unless the docs are turned off. */
export const serveDocs: Handler<EdgeEnv> = async (c) => {
	if (!docsEnabled(c.env.API_DOCS)) throw new EdgeError("not_found", "No such route");
	const asset = await c.env.ASSETS.fetch(c.req.raw);
	// A fetched answer's headers are immutable; the security headers are added to a copy.
	return new Response(asset.body, asset);
};

/** API_DOCS: "on" (or unset) serves the pages and specs, "off" answers 404 as for any unknown path. */
function docsEnabled(setting: string | undefined): boolean {
	const value = (setting ?? "").trim().toLowerCase();
	if (value === "" || value === "on") return true;
	if (value === "off") return false;
	throw new ConfigError("API_DOCS", 'must be "on" or "off"');
}
