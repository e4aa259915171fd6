/**
 * The one constant-time comparison of secrets (API keys, client secrets, token digests). Uses workerd's
 * `crypto.subtle.timingSafeEqual`; different lengths compare a value with itself first, so the time spent
 * does not depend on where, or whether, they differ.
 */
const encoder = new TextEncoder();

export function constantTimeEqual(given: string | Uint8Array, expected: string | Uint8Array): boolean {
	const a = typeof given === "string" ? encoder.encode(given) : given;
	const b = typeof expected === "string" ? encoder.encode(expected) : expected;
	if (a.byteLength !== b.byteLength) {
		crypto.subtle.timingSafeEqual(b, b);
		return false;
	}
	return crypto.subtle.timingSafeEqual(a, b);
}
