/**
 * Browsers may reach only what a shopper may call, and only from the configured storefront origins
 * (STOREFRONT_ORIGINS): reading its checkout, getting its customer token, the Flexiti operations
 * a checkout's client token may call (`shopperMay`), and a product page's "as low as" message. A merchant-only operation gets no CORS answer
 * at all, so no browser page can call it with a key it should never hold. A preflight is judged by the
 * method it announces (`Access-Control-Request-Method`). The middleware runs once per request, so
 * `Vary: Origin` is sent once.
 */
import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { edgeOperations } from "../../../generated/edge-operations.ts";
import { flexitiOperations } from "../../../generated/flexiti-operations.ts";
import { matchOperation, operationMatcher } from "../../contract/match-operation.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { shopperMay } from "./shopper-policy.ts";

/** Where the Flexiti POS API is served under the edge. */
export const FLEXITI_PREFIX = "/flexiti";

const matchEdgeOperation = operationMatcher(edgeOperations);
const shopperEdgeOperations: ReadonlySet<string> = new Set([
	"getCheckout",
	"createCheckoutToken",
	// A product page's "as low as" (public: no credential at all).
	"getPromotionalMessage",
]);

/**
 * What a storefront's script may read of an answer besides the safelisted headers: the reference id,
 * and when to try again after a 429 (`Retry-After` is not safelisted: unexposed, a page reads null).
 */
const EXPOSED_HEADERS = "x-reference-id, retry-after";

/** The request's origin, if it is a configured storefront's. */
function storefrontOrigin(origin: string | undefined, c: Context<EdgeEnv>): string | null {
	return origin && edgeConfig(c.env).storefrontOrigins.has(origin) ? origin : null;
}

/** Preflights. */
const answerPreflight = cors({
	origin: storefrontOrigin,
	allowMethods: ["GET", "POST", "OPTIONS"],
	allowHeaders: ["authorization", "content-type", "x-reference-id"],
	exposeHeaders: [EXPOSED_HEADERS],
	maxAge: 600,
});

/** True when a shopper's client token may make this call (method and path as the browser sends them). */
export function isShopperCall(method: string, path: string): boolean {
	if (path.startsWith(`${FLEXITI_PREFIX}/`)) {
		const matched = matchOperation(method, path.slice(FLEXITI_PREFIX.length));
		if (!matched || matched.operationId === "createToken") return false;
		return shopperMay(matched.operationId, flexitiOperations[matched.operationId].scopes);
	}
	const matched = matchEdgeOperation(method, path);
	return matched !== undefined && shopperEdgeOperations.has(matched.operationId);
}

export const storefrontCors = createMiddleware<EdgeEnv>(async (c, next) => {
	const preflight = c.req.method === "OPTIONS" ? c.req.header("access-control-request-method") : undefined;
	const method = preflight ?? c.req.method;
	if (!isShopperCall(method === "HEAD" ? "GET" : method, c.req.path)) return next();
	if (preflight !== undefined) return answerPreflight(c, next);
	await next();
	// The grant goes on the answer once it exists, as hono/secure-headers does. hono/cors sets it on a
	// placeholder answer before the handler runs, which Hono then copies into the handler's answer,
	// and copies once more to append Vary: three answers built per request, for a few headers.
	const headers = c.res.headers;
	const origin = storefrontOrigin(c.req.header("origin"), c);
	if (origin) headers.set("access-control-allow-origin", origin);
	headers.set("access-control-expose-headers", EXPOSED_HEADERS);
	// The answer depends on the caller's origin, for whichever cache keeps it.
	headers.append("vary", "Origin");
});
