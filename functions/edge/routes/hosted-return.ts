/**
 * `GET /v1/hosted-checkouts/{client_id}/return/{result}`: the Success and Error redirection URL a
 * merchant configures at Flexiti for its hosted checkout. Flexiti's redirect may carry a merchant-scope
 * `auth_token` (its 2017 proof of concept did; the local sandbox does on purpose): it is never read,
 * logged (the request log keeps the path only) or passed on. The order learns the outcome with its own
 * token, and the shopper goes on to the checkout's `return_url` with nothing but the checkout id, the
 * reference and a status — and `Referrer-Policy: no-referrer`, so not even the Referer carries this URL on.
 */
import type { Context } from "hono";
import { edgeRequestSchemas } from "../../../generated/edge-request-schemas.ts";
import { validateRequest } from "../../contract/validate-request.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { hostedSessionLink } from "../orders/order.ts";
import { orderByReference } from "../orders/order-stubs.ts";

export async function returnFromHostedCheckout(c: Context<EdgeEnv>): Promise<Response> {
	c.get("log").operation = "returnFromHostedCheckout";
	// Whatever happens next, this answer is not cached and sends no Referer onwards.
	c.header("referrer-policy", "no-referrer");
	c.header("cache-control", "no-store");
	const clientId = c.req.param("client_id") ?? "";
	const validation = validateRequest(edgeRequestSchemas.returnFromHostedCheckout, {
		path: { client_id: clientId, result: c.req.param("result") ?? "" },
		query: new URL(c.req.url).searchParams,
		headers: c.req.raw.headers,
		body: undefined,
	});
	if (!validation.ok) throw wrongInputs(validation.fieldErrors);
	const onlineOrderId = new URL(c.req.url).searchParams.get("orderId") ?? "";
	if (!edgeConfig(c.env).clients.has(clientId)) throw new EdgeError("not_found", "No such Flexiti client");
	c.get("log").client_id = clientId;

	const reference = await hostedSessionLink(c.env, clientId, onlineOrderId).linkedReference();
	if (!reference) throw new EdgeError("not_found", "No hosted checkout has this Flexiti order id");
	const back = await orderByReference(c.env, clientId, reference).order.returnFromHosted();
	if (!back?.returnUrl) throw new EdgeError("not_found", "This checkout has no return_url");
	c.get("log").checkout_id = back.checkoutId;

	const target = new URL(back.returnUrl);
	target.searchParams.set("checkout_id", back.checkoutId);
	target.searchParams.set("reference", back.reference);
	target.searchParams.set("status", back.status);
	return c.redirect(target.href, 303);
}
