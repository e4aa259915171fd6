/**
 * Limits per caller, so that one caller cannot crowd out the rest: Cloudflare's Rate Limiting
 * binding (`[[ratelimits]]` in wrangler.toml, where each limit is configured; it also runs locally).
 *
 * - a merchant key: its requests (MERCHANT_LIMITER) and the checkouts it opens (CHECKOUT_CREATION_LIMITER);
 * - a checkout's client token: its requests (CHECKOUT_LIMITER);
 * - a source IP (SHOPPER_IP_LIMITER), before any Durable Object is asked: on the credentialed routes,
 *   every request that does not carry a merchant key (a browser flooding from one address, or guessing
 *   client tokens or keys); on the public routes (the promotional message, the hosted return), every
 *   request, whatever its `Authorization` says.
 *
 * Over a limit: 429 `rate_limited` with `Retry-After` and the error envelope. Webhooks have no limit
 * here: a verified delivery is always taken (order systems retry anything else, and their deliveries
 * are what moves money). The limiter's counters are per Cloudflare location and approximate, which is
 * what a limit against abuse needs; if the limiter itself fails, the request goes through.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";
import { errorName } from "../core/redact.ts";
import { requestCredential } from "./caller.ts";

/** Every limit counts over a minute (wrangler.toml `period = 60`). */
const PERIOD_SECONDS = 60;

/** Per source IP, on a public route: every request (it takes no credential, so none lifts the limit). */
export const addressLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	await limitAddress(c);
	await next();
});

/**
 * Per source IP, on the shopper routes, for every request that does not carry a merchant key: a
 * merchant's server is limited by its key instead (it may serve many shoppers from one address). A
 * bearer that only looks like a key (anything but a client token) is hashed and compared here to
 * know; `identifyCaller` reuses that reading.
 */
export const shopperIpLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	if ((await requestCredential(c)).kind !== "merchant") await limitAddress(c);
	await next();
});

async function limitAddress(c: Context<EdgeEnv>): Promise<void> {
	// Cloudflare sets cf-connecting-ip on every request it forwards; a caller cannot choose it.
	const ip = c.req.header("cf-connecting-ip") ?? "unknown";
	if (!(await allowed(c.env.SHOPPER_IP_LIMITER, `ip:${ip}`))) throw tooMany("Too many requests from this address");
}

/** Per merchant key and per checkout client token, once the caller is known. */
export const callerLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	const caller = c.get("caller");
	if (caller.kind === "merchant" && !(await allowed(c.env.MERCHANT_LIMITER, `key:${caller.keyId}`))) {
		throw tooMany("Too many requests for this merchant API key");
	}
	if (
		caller.kind === "checkout" &&
		!(await allowed(c.env.CHECKOUT_LIMITER, `checkout:${caller.checkout.checkout_id}`))
	) {
		throw tooMany("Too many requests for this checkout");
	}
	await next();
});

/**
 * Checkouts a merchant key may open per minute: called by the route once the request is valid and only
 * for an order with no checkout yet, so a refused one (409), a conflict or a re-creation counts for nothing.
 */
export async function limitCheckoutCreation(c: Context<EdgeEnv>): Promise<void> {
	const caller = c.get("caller");
	if (caller.kind === "merchant" && !(await allowed(c.env.CHECKOUT_CREATION_LIMITER, `key:${caller.keyId}`))) {
		throw tooMany("Too many checkouts opened with this merchant API key");
	}
}

async function allowed(limiter: RateLimit, key: string): Promise<boolean> {
	try {
		return (await limiter.limit({ key })).success;
	} catch (error) {
		console.warn(JSON.stringify({ event: "rate_limiter_failed", name: errorName(error) }));
		return true;
	}
}

function tooMany(what: string): EdgeError {
	return new EdgeError("rate_limited", `${what}; try again in ${PERIOD_SECONDS} s`, {
		headers: { "retry-after": String(PERIOD_SECONDS) },
	});
}
