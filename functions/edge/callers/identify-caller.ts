/**
 * Who is calling, from `Authorization: Bearer …`:
 *  - a merchant's server, with one of the merchant API keys (compared by SHA-256 digest, in constant time);
 *  - a shopper's browser, with a checkout's client token (`cst_<checkout id>_<secret>`), which only
 *    that checkout's Durable Object can vouch for.
 */
import { base64UrlEncode, hexEncode, sha256, sha256Hex } from "../../contract/bytes.ts";
import { constantTimeEqual } from "../../contract/constant-time.ts";
import type { EdgeConfig } from "../core/config.ts";

export const CLIENT_TOKEN_PREFIX = "cst_";

export type Credential =
	/** `keyId`: the first 16 hex digits of the key's SHA-256, naming the key (for its rate limit) without revealing it. */
	| { kind: "merchant"; clientIds: ReadonlySet<string>; keyId: string }
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
	const digest = await sha256(bearer);
	const clientIds = merchantKeyClients(digest, config);
	return clientIds.size > 0
		? { kind: "merchant", clientIds, keyId: hexEncode(digest).slice(0, 16) }
		: { kind: "invalid" };
}

/**
 * The Flexiti clients a merchant key (by its digest) acts for (none: not a key). Compares the digest with every
 * configured digest, all of them, so timing says nothing about which matched.
 */
function merchantKeyClients(digest: Uint8Array, config: EdgeConfig): ReadonlySet<string> {
	const clientIds = new Set<string>();
	for (const entry of config.merchantKeys) {
		if (!constantTimeEqual(digest, entry.hash)) continue;
		for (const clientId of entry.clientId !== undefined ? [entry.clientId] : config.clientIds) clientIds.add(clientId);
	}
	return clientIds;
}

/** A client token: the checkout it is bound to, and 32 random bytes only that checkout knows the digest of. */
export function newClientToken(checkoutId: string): { token: string; secret: string } {
	const secret = base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)));
	return { token: `${CLIENT_TOKEN_PREFIX}${checkoutId}_${secret}`, secret };
}

export async function digest(secret: string): Promise<string> {
	return sha256Hex(secret);
}
