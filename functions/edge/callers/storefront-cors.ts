/**
 * Browsers may reach only what a shopper may call, and only from the configured storefront origins
 * (STOREFRONT_ORIGINS): reading its checkout, getting its customer token, the Flexiti operations
 * a checkout's client token may call (`shopperMay`), and a product page's "as low as" message. A merchant-only operation gets no CORS answer
 * at all, so no browser page can call it with a key it should never hold. A preflight is judged by the
 * method it announces (`Access-Control-Request-Method`). The middleware runs once per request, so
 * `Vary: Origin` is sent once.
 */
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

const allowStorefront = cors({
	origin: (origin, c) => (edgeConfig(c.env).storefrontOrigins.has(origin) ? origin : null),
	allowMethods: ["GET", "POST", "OPTIONS"],
	allowHeaders: ["authorization", "content-type", "x-reference-id"],
	exposeHeaders: ["x-reference-id"],
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
	if (!isShopperCall(preflight ?? c.req.method, c.req.path)) return next();
	return allowStorefront(c, next);
});
