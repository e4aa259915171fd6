/**
 * Where isolates find a client's token without asking its broker: Workers KV, one key per client id
 * and scope, the token encrypted (token-crypto.ts). Only the broker writes; isolates only read.
 */
import type { FlexitiToken, Scope } from "./flexiti-token.ts";
import { decryptFromKv, encryptForKv } from "./token-crypto.ts";

export function tokenKvKey(clientId: string, scope: Scope): string {
	return `flexiti-token:v1:${clientId}:${scope}`;
}

/** The token KV holds for this client and scope, if any can be read and decrypted. */
export async function readPublishedToken(
	kv: KVNamespace,
	encryptionKey: Uint8Array,
	clientId: string,
	scope: Scope,
): Promise<FlexitiToken | undefined> {
	const key = tokenKvKey(clientId, scope);
	// A failing KV read is a cache miss, not an error: the broker still answers.
	const sealed = await kv.get(key).catch(() => null);
	if (!sealed) return undefined;
	const plaintext = await decryptFromKv(encryptionKey, key, sealed);
	return plaintext ? (JSON.parse(plaintext) as FlexitiToken) : undefined;
}

/** Writes the token for every isolate to read; it expires from KV when the token does. */
export async function publishToken(
	kv: KVNamespace,
	encryptionKey: Uint8Array,
	clientId: string,
	scope: Scope,
	token: FlexitiToken,
	now: number,
): Promise<void> {
	const key = tokenKvKey(clientId, scope);
	const expiration = Math.floor(token.expiresAt / 1000);
	// KV wants an expiration at least 60 s ahead; a token that close to its end is not worth sharing.
	if (expiration - Math.floor(now / 1000) < 60) return;
	const sealed = await encryptForKv(encryptionKey, key, JSON.stringify(token));
	await kv.put(key, sealed, { expiration }).catch(() => {
		// KV only spares isolates a call to the broker: if it fails (a rate limit), the broker still answers.
		console.warn(JSON.stringify({ event: "token_kv_write_failed", client_id: clientId, scope }));
	});
}

/** Removes the published token if it is still `accessToken` (Flexiti rejected it). */
export async function withdrawToken(
	kv: KVNamespace,
	encryptionKey: Uint8Array,
	clientId: string,
	scope: Scope,
	accessToken: string,
): Promise<void> {
	const published = await readPublishedToken(kv, encryptionKey, clientId, scope);
	if (published?.accessToken === accessToken) await kv.delete(tokenKvKey(clientId, scope));
}
