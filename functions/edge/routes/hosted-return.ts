/**
 * `GET /v1/hosted-checkouts/{client_id}/return/{result}`: the Success and Error redirection URL a
 * merchant configures at Flexiti for its hosted checkout. Flexiti's redirect may carry a merchant-scope
 * `auth_token` (its 2017 proof of concept did; the local sandbox does on purpose): it is never read,
 * logged (the request log keeps the path only) or passed on. The order learns the outcome with its own
 * token, and the shopper goes on to the checkout's `return_url` with nothing but the checkout id, the
 * reference and a status — and `Referrer-Policy: no-referrer`, so not even the Referer carries this URL on.
 */
import type { MiddlewareHandler } from "hono";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";
import { hostedSessionLink } from "../orders/hosted-order.ts";
import { orderByReference } from "../orders/order-stubs.ts";
import { edgeOperation } from "./edge-operation.ts";

/** Whatever happens next (a refusal too), this answer is not cached and sends no Referer onwards. */
export const hostedReturnHeaders: MiddlewareHandler<EdgeEnv> = async (c, next) => {
	c.header("referrer-policy", "no-referrer");
	c.header("cache-control", "no-store");
	await next();
};

export const returnFromHostedCheckout = edgeOperation(
	"returnFromHostedCheckout",
	async (c, { path, query }, answer) => {
		if (!edgeConfig(c.env).clients.has(path.client_id))
			throw new EdgeError("unknown_client", `Client ${path.client_id} is not configured`);
		c.get("log").client_id = path.client_id;

		const reference = await hostedSessionLink(c.env, path.client_id, query.orderId).linkedReference();
		if (!reference) throw new EdgeError("not_found", "No hosted checkout has this Flexiti order id");
		const back = await orderByReference(c.env, path.client_id, reference).order.returnFromHosted();
		// A return_url is one `URL` parses since creation checks it; one stored before that is not a 500.
		if (!back?.returnUrl || !URL.canParse(back.returnUrl)) {
			throw new EdgeError("not_found", "This checkout has no return_url a browser can open");
		}
		c.get("log").checkout_id = back.checkoutId;

		const target = new URL(back.returnUrl);
		target.searchParams.set("checkout_id", back.checkoutId);
		target.searchParams.set("reference", back.reference);
		target.searchParams.set("status", back.status);
		return answer(303, null, { location: target.href });
	},
	// Flexiti's redirect: its query is Flexiti's to add to (orderId, auth_token, …), not a caller's mistake.
	{ closed: false },
);
