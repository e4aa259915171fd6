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
		const key = await crypto.subtle.importKey(
			"raw",
			encoder.encode(candidate.secret),
			{ name: "HMAC", hash: "SHA-256" },
			false,
			["verify"],
		);
		// Every secret is tried, so how long this takes does not say which one matched.
		if (await crypto.subtle.verify("HMAC", key, expected, body)) matched ??= candidate;
	}
	return matched;
}
