const encoder = new TextEncoder();

/**
 * Compares two secrets without leaking, through timing, how much of them matched.
 * Uses workerd's `crypto.subtle.timingSafeEqual`; different lengths compare a secret with itself
 * first so the time spent does not depend on where they differ.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
	const a = encoder.encode(given);
	const b = encoder.encode(expected);
	if (a.byteLength !== b.byteLength) {
		crypto.subtle.timingSafeEqual(b, b);
		return false;
	}
	return crypto.subtle.timingSafeEqual(a, b);
}
