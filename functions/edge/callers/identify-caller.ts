/**
 * Who is calling, from `Authorization: Bearer …`:
 *  - a merchant's server, with one of the merchant API keys (compared by SHA-256 digest, in constant time);
 *  - a shopper's browser, with a checkout's client token (`cst_<checkout id>_<secret>`), which only
 *    that checkout's Durable Object can vouch for.
 */
import type { EdgeConfig } from "../core/config.ts";

export const CLIENT_TOKEN_PREFIX = "cst_";

export type Credential =
	/** `keyId`: the first 16 hex digits of the key's SHA-256, naming the key (for its rate limit) without revealing it. */
	| { kind: "merchant"; keyId: string }
	| { kind: "checkout"; checkoutId: string; secret: string }
	| { kind: "none" }
	| { kind: "invalid" };

export async function readCredential(authorization: string | undefined, config: EdgeConfig): Promise<Credential> {
	const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
	if (!bearer) return authorization ? { kind: "invalid" } : { kind: "none" };
	if (bearer.startsWith(CLIENT_TOKEN_PREFIX)) {
		const match = /^cst_([0-9a-f]{64})_([A-Za-z0-9_-]{43})$/.exec(bearer);
		return match
			? { kind: "checkout", checkoutId: match[1] as string, secret: match[2] as string }
			: { kind: "invalid" };
	}
	const keyDigest = await merchantKeyDigest(bearer, config);
	return keyDigest ? { kind: "merchant", keyId: toHex(keyDigest).slice(0, 16) } : { kind: "invalid" };
}

/**
 * The key's digest if it is one of the merchant keys. It is compared with every configured digest,
 * all of them, so timing says nothing.
 */
async function merchantKeyDigest(key: string, config: EdgeConfig): Promise<Uint8Array | undefined> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
	let matched = false;
	for (const hash of config.merchantKeyHashes) matched = crypto.subtle.timingSafeEqual(digest, hash) || matched;
	return matched ? digest : undefined;
}

/** A client token: the checkout it is bound to, and 32 random bytes only that checkout knows the digest of. */
export function newClientToken(checkoutId: string): { token: string; secret: string } {
	const secret = base64Url(crypto.getRandomValues(new Uint8Array(32)));
	return { token: `${CLIENT_TOKEN_PREFIX}${checkoutId}_${secret}`, secret };
}

export async function digest(secret: string): Promise<string> {
	return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))));
}

function toHex(bytes: Uint8Array): string {
	return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function base64Url(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes))
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}
