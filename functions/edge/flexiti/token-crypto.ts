/**
 * Flexiti tokens at rest in Workers KV are encrypted with AES-256-GCM (WebCrypto): a raw KV read
 * shows no token. The KV key is the additional authenticated data, so a value cannot be replayed
 * under another client's or scope's key.
 */
import { base64Decode, base64Encode } from "../../contract/bytes.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * Imported keys, kept once imported. Never the import in flight: the Worker's requests and every
 * Durable Object in the isolate share this module, and one object awaiting a promise another one's
 * I/O fulfils is refused by workerd ("Cannot perform I/O on behalf of a different Durable Object").
 * Two first uses at once each import the key; the second one kept wins, and both work.
 */
const keys = new WeakMap<Uint8Array, CryptoKey>();

async function importKey(raw: Uint8Array): Promise<CryptoKey> {
	const known = keys.get(raw);
	if (known) return known;
	const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
	keys.set(raw, key);
	return key;
}

export async function encryptForKv(rawKey: Uint8Array, kvKey: string, plaintext: string): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = await crypto.subtle.encrypt(
		{ name: "AES-GCM", iv, additionalData: encoder.encode(kvKey) },
		await importKey(rawKey),
		encoder.encode(plaintext),
	);
	const sealed = new Uint8Array(iv.byteLength + ciphertext.byteLength);
	sealed.set(iv);
	sealed.set(new Uint8Array(ciphertext), iv.byteLength);
	return base64Encode(sealed);
}

/** The plaintext, or undefined when the value was not sealed by this key for this KV key. */
export async function decryptFromKv(rawKey: Uint8Array, kvKey: string, sealed: string): Promise<string | undefined> {
	try {
		const bytes = base64Decode(sealed);
		if (!bytes) return undefined;
		const plaintext = await crypto.subtle.decrypt(
			{ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encoder.encode(kvKey) },
			await importKey(rawKey),
			bytes.subarray(12),
		);
		return decoder.decode(plaintext);
	} catch {
		return undefined;
	}
}
