/**
 * The caller of every edge request, decided once by middleware: a merchant (API key), a shopper's
 * checkout (client token, vouched for by the checkout's own Durable Object), or nobody.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { type EdgeConfig, edgeConfig } from "../core/config.ts";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";
import type { CheckoutSession } from "../orders/order.ts";
import { orderByCheckoutId } from "../orders/order-stubs.ts";
import { checkoutSessions } from "./checkout-sessions.ts";
import { type Credential, digest, readCredential } from "./identify-caller.ts";

export type Caller =
	| { kind: "merchant"; clientIds: ReadonlySet<string>; keyId: string }
	| ({ kind: "checkout"; tokenDigest: string } & CheckoutSession)
	| { kind: "anonymous" };

declare module "hono" {
	interface ContextVariableMap {
		/** Who is calling, decided once by `identifyCaller`. */
		caller: Caller;
		/** The request's credential, read once (`requestCredential`): the address limit asks before `identifyCaller`. */
		credential: Promise<Credential>;
	}
}

/** The request's `Authorization`, read (a merchant key hashed and compared) once per request. */
export function requestCredential(c: Context<EdgeEnv>): Promise<Credential> {
	let credential = c.get("credential");
	if (!credential) {
		credential = readCredential(c.req.header("authorization"), edgeConfig(c.env));
		c.set("credential", credential);
	}
	return credential;
}

export const identifyCaller = createMiddleware<EdgeEnv>(async (c, next) => {
	const credential = await requestCredential(c);
	if (credential.kind === "invalid") throw new EdgeError("invalid_credentials", "Unknown API key or client token");
	if (credential.kind === "checkout") {
		const tokenDigest = await digest(credential.secret);
		let session = checkoutSessions.get(tokenDigest);
		if (!session) {
			const order = orderByCheckoutId(c.env, credential.checkoutId);
			session = (order ? await order.authenticate(tokenDigest) : null) ?? undefined;
			if (session) checkoutSessions.set(tokenDigest, session);
		}
		if (!session || session.checkout.checkout_id !== credential.checkoutId) {
			throw new EdgeError("invalid_credentials", "Unknown or expired client token");
		}
		c.set("caller", { kind: "checkout", tokenDigest, ...session });
	} else {
		c.set("caller", credential.kind === "merchant" ? credential : { kind: "anonymous" });
	}
	c.get("log").caller = c.get("caller").kind;
	await next();
});

/** Only a merchant may pass. */
export const merchantOnly = createMiddleware<EdgeEnv>(async (c, next) => {
	const caller = c.get("caller");
	merchantCaller(caller);
	await next();
});

/** The caller, if a merchant; otherwise the refusal (401 without a credential, 403 for a checkout's). */
export function merchantCaller(caller: Caller): Extract<Caller, { kind: "merchant" }> {
	if (caller.kind === "anonymous") throw new EdgeError("invalid_credentials", "A merchant API key is required");
	if (caller.kind !== "merchant") throw new EdgeError("merchant_only", "This needs a merchant API key");
	return caller;
}

/**
 * The Flexiti client a merchant's request is for: the one it names, else the first configured client
 * its key acts for. A key tied to other clients is refused (403 `client_not_permitted`), an unknown
 * client id is a 404 — on every merchant route, so no key reaches another merchant's orders.
 */
export function merchantClient(
	caller: Extract<Caller, { kind: "merchant" }>,
	named: string | undefined,
	config: EdgeConfig,
): string {
	const clientId = named ?? config.clientIds.find((id) => caller.clientIds.has(id)) ?? "";
	if (!config.clients.has(clientId)) throw new EdgeError("unknown_client", `Client ${clientId} is not configured`);
	if (!caller.clientIds.has(clientId)) throw clientNotPermitted(clientId);
	return clientId;
}

/** The Flexiti client of this merchant request (`merchantClient`): named, or its key's first. */
export function merchantClientOf(c: Context<EdgeEnv>, named: string | undefined): string {
	return merchantClient(merchantCaller(c.get("caller")), named, edgeConfig(c.env));
}

/** A merchant key that does not act for this client (403 `client_not_permitted`). */
export function clientNotPermitted(clientId: string): EdgeError {
	return new EdgeError("client_not_permitted", `This merchant API key does not act for client ${clientId}`);
}
