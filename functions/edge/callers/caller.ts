/**
 * The caller of every edge request, decided once by middleware: a merchant (API key), a shopper's
 * checkout (client token, vouched for by the checkout's own Durable Object), or nobody.
 */
import { createMiddleware } from "hono/factory";
import { edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { edgeError } from "../core/errors.ts";
import type { CheckoutSession } from "../orders/order.ts";
import { orderByCheckoutId } from "../orders/order-stubs.ts";
import { checkoutSessions } from "./checkout-sessions.ts";
import { digest, readCredential } from "./identify-caller.ts";

export type Caller =
	| { kind: "merchant"; keyId: string }
	| ({ kind: "checkout"; tokenDigest: string } & CheckoutSession)
	| { kind: "anonymous" };

declare module "hono" {
	interface ContextVariableMap {
		/** Who is calling, decided once by `identifyCaller`. */
		caller: Caller;
	}
}

export const identifyCaller = createMiddleware<EdgeEnv>(async (c, next) => {
	const credential = await readCredential(c.req.header("authorization"), edgeConfig(c.env));
	if (credential.kind === "invalid") return edgeError(c, 401, "invalid_credentials", "Unknown API key or client token");
	if (credential.kind === "checkout") {
		const tokenDigest = await digest(credential.secret);
		let session = checkoutSessions.get(tokenDigest);
		if (!session) {
			const order = orderByCheckoutId(c.env, credential.checkoutId);
			session = (order ? await order.authenticate(tokenDigest) : null) ?? undefined;
			if (session) checkoutSessions.set(tokenDigest, session);
		}
		if (!session || session.checkout.checkout_id !== credential.checkoutId) {
			return edgeError(c, 401, "invalid_credentials", "Unknown or expired client token");
		}
		c.set("caller", { kind: "checkout", tokenDigest, ...session });
	} else {
		c.set(
			"caller",
			credential.kind === "merchant" ? { kind: "merchant", keyId: credential.keyId } : { kind: "anonymous" },
		);
	}
	c.get("log").caller = c.get("caller").kind;
	await next();
});

/** Only a merchant may pass. */
export const merchantOnly = createMiddleware<EdgeEnv>(async (c, next) => {
	const caller = c.get("caller");
	if (caller.kind === "anonymous") return edgeError(c, 401, "invalid_credentials", "A merchant API key is required");
	if (caller.kind !== "merchant") return edgeError(c, 403, "merchant_only", "This needs a merchant API key");
	await next();
});
