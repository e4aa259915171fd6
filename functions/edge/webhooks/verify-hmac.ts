/**
 * Shopify and WooCommerce sign a webhook with base64(HMAC-SHA256(raw body, secret)). Checked with
 * WebCrypto's `verify`, which compares in constant time, against every configured secret (rotation).
 */
const encoder = new TextEncoder();

export async function verifyHmacBase64(body: ArrayBuffer, signature: string | undefined, secrets: readonly string[]) {
	const expected = decodeBase64(signature ?? "");
	if (expected?.byteLength !== 32) return false;
	let verified = false;
	for (const secret of secrets) {
		const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
			"verify",
		]);
		// Every secret is tried, so how long this takes does not say which one matched.
		verified = (await crypto.subtle.verify("HMAC", key, expected, body)) || verified;
	}
	return verified;
}

function decodeBase64(text: string): Uint8Array | undefined {
	try {
		return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
	} catch {
		return undefined;
	}
}
