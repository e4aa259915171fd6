import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";
import { identifyCaller, merchantOnly } from "./callers/caller.ts";
import { addressLimit, callerLimit, shopperIpLimit } from "./callers/rate-limits.ts";
import { FLEXITI_PREFIX, storefrontCors } from "./callers/storefront-cors.ts";
import { ConfigError } from "./core/config.ts";
import type { EdgeEnv } from "./core/context.ts";
import { EdgeError, renderEdgeError } from "./core/errors.ts";
import { requestLog } from "./core/request-log.ts";
import { checkoutRoutes } from "./routes/checkouts.ts";
import { DOCS_PATHS, docsHeaders, isDocsPath, serveDocs } from "./routes/docs.ts";
import { edgeOperation } from "./routes/edge-operation.ts";
import { forwardOperation } from "./routes/forward-operation.ts";
import { hostedReturnHeaders, returnFromHostedCheckout } from "./routes/hosted-return.ts";
import { orderRoutes } from "./routes/orders.ts";
import { promotionalMessage } from "./routes/promotional-message.ts";
import { readyz } from "./routes/readyz.ts";
import { reconciliationRoutes } from "./routes/reconciliations.ts";
import { webhookRoutes } from "./routes/webhooks/routes.ts";

/**
 * The edge: storefronts and order systems call it instead of Flexiti.
 *   GET  /healthz                      liveness
 *   GET  /readyz                       readiness: settings, and Flexiti issues each client a token (merchant key)
 *   GET  /docs, /docs/flexiti, /openapi/*   API reference pages and specs (static assets, API_DOCS)
 *   POST /v1/checkouts                 a merchant opens a checkout for an order (spec/edge-api.yaml)
 *   GET  /v1/checkouts/:id             the merchant or the checkout's shopper reads it
 *   POST /v1/checkouts/:id/token       the shopper gets the checkout's customer-scope Flexiti token
 *   POST /v1/webhooks/{shopify,woocommerce,standard}   order events → capture / release / refund
 *   GET  /v1/orders/:reference         an order's ledger; POST …/events/:id/replay
 *   POST /v1/reconciliations           reconcile a day with Flexiti now; GET lists the differences found
 *   GET  /v1/promotional-message       "as low as $X/month" for a product page (public, cached)
 *   *    /flexiti/v2.5…/client-id/…    the Flexiti POS API itself, forwarded with the right token
 */
/** Checkout and Flexiti request bodies are a few KiB; anything this large is not one. */
export const MAX_BODY_BYTES = 64 * 1024;

const limitBody = bodyLimit({
	maxSize: MAX_BODY_BYTES,
	onError: () => {
		throw new EdgeError("payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
	},
});

const noStoreUnlessSaid: MiddlewareHandler<EdgeEnv> = async (c, next) => {
	await next();
	if (!c.res.headers.has("cache-control")) c.header("cache-control", "no-store");
};

export function createEdgeApp() {
	const app = new Hono<EdgeEnv>();
	app.use(requestLog);
	// The edge answers JSON to servers and to fetch() in storefronts: no page of it is ever framed,
	// rendered or embedded, so its answers say so (hono/secure-headers, with a CSP that allows nothing).
	// Cross-origin reads stay CORS's decision (storefrontCors below), hence no Cross-Origin-Resource-Policy.
	// The API reference pages (routes/docs.ts) are the one exception, with a policy of their own.
	// (A path test, not hono/combine's `except`: that built a router match and two composed middleware
	// chains on every request, about a tenth of the JavaScript heap a forwarded request allocated.)
	const jsonOnlyHeaders = secureHeaders({
		contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
		xFrameOptions: "DENY",
		referrerPolicy: "no-referrer",
		crossOriginResourcePolicy: false,
	});
	app.use((c, next) => (isDocsPath(c.req.path) ? next() : jsonOnlyHeaders(c, next)));
	// API answers carry client and customer tokens, and customers' data: no browser or proxy keeps one,
	// unless its route says it may (the promotional message, public).
	for (const routes of ["/v1/*", `${FLEXITI_PREFIX}/*`]) app.use(routes, noStoreUnlessSaid);
	for (const path of DOCS_PATHS) app.get(path, docsHeaders, serveDocs);

	app.get(
		"/healthz",
		edgeOperation(
			"getHealth",
			(_c, _request, answer) =>
				answer(200, { status: "ok", service: "flexiti-edge", operations: Object.keys(flexitiOperations).length }),
			// A probe may add a query of its own (a cache-buster): it takes none, and answers whatever it says.
			{ closed: false },
		),
	);
	// Readiness: settings and Flexiti's token endpoint, for a merchant key (rate-limited as its other calls).
	app.get("/readyz", shopperIpLimit, identifyCaller, callerLimit, merchantOnly, readyz);

	// Browsers may reach only what a shopper may call, and only from the configured storefront origins.
	app.use(`${FLEXITI_PREFIX}/*`, storefrontCors);
	app.use("/v1/checkouts/*", storefrontCors);

	// A product page's "as low as": public (no credential), CORS for the storefronts, limited per address.
	// Registered before the credential middleware of /v1/*, which it therefore never reaches.
	app.use("/v1/promotional-message", storefrontCors);
	app.get("/v1/promotional-message", addressLimit, promotionalMessage);

	// Flexiti's hosted checkout sends the shopper back here (public: a browser redirect, no credential).
	app.get(
		"/v1/hosted-checkouts/:client_id/return/:result",
		addressLimit,
		hostedReturnHeaders,
		returnFromHostedCheckout,
	);

	// Order systems authenticate each webhook by its signature, not by a caller credential; webhooks
	// keep their own body cap (512 KiB) and no rate limit (see callers/rate-limits.ts).
	app.route("/v1/webhooks", webhookRoutes);
	for (const routes of ["/v1/*", `${FLEXITI_PREFIX}/*`]) app.use(routes, limitBody);
	// Every caller without a merchant key, by address, before a Durable Object is asked about a token.
	for (const routes of ["/v1/*", `${FLEXITI_PREFIX}/*`]) app.use(routes, shopperIpLimit);
	for (const routes of ["/v1/*", `${FLEXITI_PREFIX}/*`]) app.use(routes, identifyCaller, callerLimit);
	app.route("/v1/checkouts", checkoutRoutes);
	app.route("/v1/orders", orderRoutes);
	app.route("/v1/reconciliations", reconciliationRoutes);
	app.all(`${FLEXITI_PREFIX}/*`, forwardOperation);

	app.notFound((c) => renderEdgeError(new EdgeError("not_found", "No such route"), c));
	// Every refusal is an EdgeError, thrown wherever it is decided and answered here.
	app.onError((error, c) => {
		if (error instanceof ConfigError) {
			console.error(JSON.stringify({ event: "config_error", setting: error.setting, message: error.message }));
		}
		if (error instanceof EdgeError) return renderEdgeError(error, c);
		// Never a stack trace to the caller; the log gets the error's kind, not its (possibly personal) message.
		console.error(JSON.stringify({ event: "unhandled_error", name: error.name }));
		return renderEdgeError(new EdgeError("edge_error", "The edge failed to handle this request"), c);
	});
	return app;
}
