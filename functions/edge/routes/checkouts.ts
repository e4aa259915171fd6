/**
 * The edge's checkout routes (spec/edge-api.yaml): a merchant's server creates a checkout for an
 * order and gives the shopper's browser its client token; the browser reads its checkout and gets
 * the checkout's customer-scope Flexiti token for the widget.
 */

import { Hono } from "hono";
import { clientNotPermitted, merchantClientOf, merchantOnly } from "../callers/caller.ts";
import { checkoutSessions } from "../callers/checkout-sessions.ts";
import { digest, newClientToken } from "../callers/identify-caller.ts";
import { limitCheckoutCreation } from "../callers/rate-limits.ts";
import { checkoutAuthorized } from "../callers/shopper-policy.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError, wrongInputs } from "../core/errors.ts";
import { orderByCheckoutId, orderByReference } from "../orders/order-stubs.ts";
import { edgeOperation } from "./edge-operation.ts";

export const checkoutRoutes = new Hono<EdgeEnv>();

checkoutRoutes.post(
	"/",
	merchantOnly,
	edgeOperation("createCheckout", async (c, { body: request }, answer) => {
		const config = edgeConfig(c.env);
		const clientId = merchantClientOf(c, request.client_id);
		const channel = request.channel ?? config.checkoutChannels.get(clientId) ?? "widget";
		// A hosted checkout ends on the merchant's page; a widget checkout never leaves it.
		if ((channel === "hosted") !== (request.return_url !== undefined)) {
			const msg =
				channel === "hosted" ? "required for a hosted checkout" : "only for a hosted checkout (channel is widget)";
			throw wrongInputs([
				{ param: "return_url", msg, ...(request.return_url !== undefined ? { value: request.return_url } : {}) },
			]);
		}

		const { checkoutId, order } = orderByReference(c.env, clientId, request.reference);
		// Only a new checkout counts: a re-creation (a new client token for the same checkout) and a
		// conflict open nothing, and count under the key's requests only.
		if (!(await order.checkout())) await limitCheckoutCreation(c);
		const { token, secret } = newClientToken(checkoutId);
		const opened = await order.open({
			checkoutId,
			clientId,
			reference: request.reference,
			amount: request.amount,
			lang: request.lang ?? "en",
			autoCapture: request.auto_capture ?? false,
			channel,
			...(request.return_url !== undefined ? { returnUrl: request.return_url } : {}),
			tokenDigest: await digest(secret),
			expiresAt: Date.now() + config.checkoutTtlSeconds * 1000,
		});
		if (!opened.ok) {
			if ("unavailable" in opened) throw new EdgeError(opened.unavailable.error, opened.unavailable.message);
			throw new EdgeError("checkout_conflict", opened.conflict);
		}
		// Re-creating a checkout revokes its earlier client tokens (the order keeps only the new one's digest).
		checkoutSessions.forget(checkoutId);
		c.get("log").checkout_id = checkoutId;
		c.get("log").client_id = clientId;
		return answer(201, { ...opened.checkout, client_token: token });
	}),
);

// A checkout id of another spelling is 404 (spec: CheckoutId), which the order lookup answers.
checkoutRoutes.get(
	"/:checkout_id",
	edgeOperation(
		"getCheckout",
		async (c, { path }, answer) => {
			const checkoutId = path.checkout_id;
			const caller = c.get("caller");
			if (caller.kind === "anonymous") throw new EdgeError("invalid_credentials", "Credentials are required");
			if (caller.kind === "checkout" && caller.checkout.checkout_id !== checkoutId) {
				throw new EdgeError("checkout_mismatch", "Not this checkout");
			}
			// Read from the order itself: status, widget session and authorization change as the flow goes on.
			const checkout = await orderByCheckoutId(c.env, checkoutId)?.checkout();
			if (!checkout) throw new EdgeError("not_found", "No such checkout");
			if (caller.kind === "merchant" && !caller.clientIds.has(checkout.client_id)) {
				throw clientNotPermitted(checkout.client_id);
			}
			return answer(200, checkout);
		},
		{ uncheckedPath: true },
	),
);

checkoutRoutes.post(
	"/:checkout_id/token",
	edgeOperation(
		"createCheckoutToken",
		async (c, { path }, answer) => {
			const caller = c.get("caller");
			// Only the checkout's own shopper: a merchant has no use for a customer token, and never gets a merchant one here.
			if (caller.kind === "merchant") throw new EdgeError("checkout_only", "This needs the checkout's client token");
			if (caller.kind !== "checkout") throw new EdgeError("invalid_credentials", "A checkout client token is required");
			if (caller.checkout.checkout_id !== path.checkout_id) {
				throw new EdgeError("checkout_mismatch", "Not this checkout");
			}
			const order = orderByCheckoutId(c.env, caller.checkout.checkout_id);
			// Once authorized, the checkout's flow is over: its customer token is not handed out again.
			const checkout = await order?.checkout();
			if (!order || !checkout) throw new EdgeError("not_found", "No such checkout");
			if (checkout.status === "authorized") throw checkoutAuthorized(checkout.authorization_id);
			const result = await order.customerToken();
			if ("unavailable" in result) {
				throw new EdgeError("token_unavailable", "Flexiti did not issue a customer token; try again shortly");
			}
			c.get("log").token_source = "checkout";
			return answer(
				200,
				{
					access_token: result.token.accessToken,
					token_type: "bearer",
					expires_in: Math.max(0, Math.floor((result.token.expiresAt - Date.now()) / 1000)),
					scope: "customer",
				},
				{ "cache-control": "no-store" },
			);
		},
		{ uncheckedPath: true },
	),
);
