/**
 * The one home for byte encodings and digests that the Workers need: base64 (standard and URL-safe),
 * hex, SHA-256. Small on purpose — WebCrypto does the cryptography; this only turns bytes into text and back.
 */
const encoder = new TextEncoder();

export function base64Encode(bytes: Uint8Array): string {
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

/** URL-safe base64 without padding (RFC 4648 §5), for tokens that travel in headers and URLs. */
export function base64UrlEncode(bytes: Uint8Array): string {
	return base64Encode(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The bytes of URL-safe base64 text (standard base64 is read too; padding optional), or undefined when it is not base64. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
	return base64Decode(text.replaceAll("-", "+").replaceAll("_", "/"));
}

/** The bytes of standard base64 text, or undefined when the text is not base64. */
export function base64Decode(text: string): Uint8Array | undefined {
	try {
		return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
	} catch {
		return undefined;
	}
}

/** Each byte's two hex digits, made once: a digest is encoded on every request that carries a credential. */
const HEX_DIGITS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function hexEncode(bytes: Uint8Array): string {
	let hex = "";
	for (const byte of bytes) hex += HEX_DIGITS[byte] ?? "";
	return hex;
}

/** The bytes of an even-length hex string (callers check the shape first). */
export function hexDecode(hex: string): Uint8Array {
	const bytes = new Uint8Array(hex.length / 2);
	for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

export async function sha256(text: string): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

export async function sha256Hex(text: string): Promise<string> {
	return hexEncode(await sha256(text));
}
