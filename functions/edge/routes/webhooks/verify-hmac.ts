/**
 * Shopify and WooCommerce sign a webhook with base64(HMAC-SHA256(raw body, secret)). Checked with
 * WebCrypto's `verify`, which compares in constant time, against every configured secret (rotation).
 */
import { base64Decode } from "../../../contract/bytes.ts";

const encoder = new TextEncoder();

/** The configured secret that signed the body, or undefined when none did. */
export async function verifyHmacBase64<Secret extends { secret: string }>(
	body: ArrayBuffer,
	signature: string | undefined,
	secrets: readonly Secret[],
): Promise<Secret | undefined> {
	const expected = base64Decode(signature ?? "");
	if (expected?.byteLength !== 32) return undefined;
	let matched: Secret | undefined;
	for (const candidate of secrets) {
		const key = await keyFor(candidate.secret);
		// Every secret is tried, so how long this takes does not say which one matched.
		if (await crypto.subtle.verify("HMAC", key, expected, body)) matched ??= candidate;
	}
	return matched;
}

/** One imported key per secret, made once per isolate (as the Standard Webhooks verifiers are). */
const keys = new Map<string, CryptoKey>();

async function keyFor(secret: string): Promise<CryptoKey> {
	const known = keys.get(secret);
	if (known) return known;
	const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
		"verify",
	]);
	keys.set(secret, key);
	return key;
}
