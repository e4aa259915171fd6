/**
 * Limits per caller, so that one caller cannot crowd out the rest: Cloudflare's Rate Limiting
 * binding (`[[ratelimits]]` in wrangler.toml, where each limit is configured; it also runs locally).
 *
 * - a merchant key: its requests (MERCHANT_LIMITER) and the checkouts it opens (CHECKOUT_CREATION_LIMITER);
 * - a checkout's client token: its requests (CHECKOUT_LIMITER);
 * - a source IP on the shopper routes, before any credential is checked (SHOPPER_IP_LIMITER): a
 *   browser flooding from one address, or guessing client tokens.
 *
 * Over a limit: 429 `rate_limited` with `Retry-After` and the error envelope. Webhooks have no limit
 * here: a verified delivery is always taken (order systems retry anything else, and their deliveries
 * are what moves money). The limiter's counters are per Cloudflare location and approximate, which is
 * what a limit against abuse needs; if the limiter itself fails, the request goes through.
 */
import { createMiddleware } from "hono/factory";
import type { EdgeEnv } from "../core/context.ts";
import { EdgeError } from "../core/errors.ts";
import { errorName } from "../core/redact.ts";
import { CLIENT_TOKEN_PREFIX } from "./identify-caller.ts";

/** Every limit counts over a minute (wrangler.toml `period = 60`). */
const PERIOD_SECONDS = 60;

/** Per source IP, on the shopper routes, for requests that do not carry a merchant key. */
export const shopperIpLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
	// A merchant's server is limited by its key (it may serve many shoppers from one address).
	if (bearer && !bearer.startsWith(CLIENT_TOKEN_PREFIX)) return next();
	// Cloudflare sets cf-connecting-ip on every request it forwards; a caller cannot choose it.
	const ip = c.req.header("cf-connecting-ip") ?? "unknown";
	if (!(await allowed(c.env.SHOPPER_IP_LIMITER, `ip:${ip}`))) throw tooMany("from this address");
	await next();
});

/** Per merchant key and per checkout client token, once the caller is known. */
export const callerLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	const caller = c.get("caller");
	if (caller.kind === "merchant" && !(await allowed(c.env.MERCHANT_LIMITER, `key:${caller.keyId}`))) {
		throw tooMany("for this merchant API key");
	}
	if (
		caller.kind === "checkout" &&
		!(await allowed(c.env.CHECKOUT_LIMITER, `checkout:${caller.checkout.checkout_id}`))
	) {
		throw tooMany("for this checkout");
	}
	await next();
});

/** Checkouts a merchant key may open per minute. */
export const checkoutCreationLimit = createMiddleware<EdgeEnv>(async (c, next) => {
	const caller = c.get("caller");
	if (caller.kind === "merchant" && !(await allowed(c.env.CHECKOUT_CREATION_LIMITER, `key:${caller.keyId}`))) {
		throw tooMany("checkouts opened with this merchant API key");
	}
	await next();
});

async function allowed(limiter: RateLimit, key: string): Promise<boolean> {
	try {
		return (await limiter.limit({ key })).success;
	} catch (error) {
		console.warn(JSON.stringify({ event: "rate_limiter_failed", name: errorName(error) }));
		return true;
	}
}

function tooMany(what: string): EdgeError {
	return new EdgeError("rate_limited", `Too many requests ${what}; try again in ${PERIOD_SECONDS} s`, {
		headers: { "retry-after": String(PERIOD_SECONDS) },
	});
}
