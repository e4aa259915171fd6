/**
 * Standard Webhooks signatures (the rules of the `standardwebhooks` package, which the edge's own
 * deliveries and most senders use): `webhook-id`, `webhook-timestamp` within five minutes of now either
 * way, `webhook-signature` holding one or more space-separated `v1,<base64>` signatures of
 * `<id>.<timestamp>.<body>` with HMAC-SHA256 under the base64 key after `whsec_`.
 *
 * Verified with WebCrypto's native HMAC rather than the package's `verify`, which hashes in
 * JavaScript (fast-sha256): the package was 4–5 % of a profiled ack's samples. The comparison is
 * constant-time (contract/constant-time.ts), as the package's is; test/edge/unit/standard-signature.test.ts
 * checks that this verifier and the package's agree, case by case.
 */
import { base64Decode, base64Encode } from "../../../contract/bytes.ts";
import { constantTimeEqual } from "../../../contract/constant-time.ts";

/** How far a delivery's timestamp may be from now, either way (the package's tolerance). */
const TOLERANCE_SECONDS = 5 * 60;
const SECRET_PREFIX = "whsec_";
const encoder = new TextEncoder();

export type StandardVerification<Secret> = { ok: true; secret: Secret } | { ok: false; reason: string };

/**
 * Which configured secret signed the delivery (several while one is rotated), or why none did, in the
 * package's words (its messages are what senders search for) — but naming a missing header.
 */
export async function verifyStandardWebhook<Secret extends { secret: string }>(
	body: string,
	headers: Headers,
	secrets: readonly Secret[],
	nowMs = Date.now(),
): Promise<StandardVerification<Secret>> {
	const id = headers.get("webhook-id") ?? "";
	const timestampHeader = headers.get("webhook-timestamp") ?? "";
	const signatureHeader = headers.get("webhook-signature") ?? "";
	const missing = [
		...(id ? [] : ["webhook-id"]),
		...(timestampHeader ? [] : ["webhook-timestamp"]),
		...(signatureHeader ? [] : ["webhook-signature"]),
	];
	if (missing.length > 0)
		return { ok: false, reason: `the ${missing.join(", ")} header${missing.length > 1 ? "s are" : " is"} missing` };
	// parseInt, as the package reads it ("1700000000abc" is 1700000000; what is signed is the number).
	const timestamp = Number.parseInt(timestampHeader, 10);
	if (Number.isNaN(timestamp)) return { ok: false, reason: "Invalid Signature Headers" };
	const now = Math.floor(nowMs / 1000);
	if (now - timestamp > TOLERANCE_SECONDS) return { ok: false, reason: "Message timestamp too old" };
	if (timestamp > now + TOLERANCE_SECONDS) return { ok: false, reason: "Message timestamp too new" };
	// Only version 1 signatures count; `v1,<sig>` splits on its first comma, as the package splits it.
	const offered = signatureHeader.split(" ").flatMap((versioned) => {
		const [version, signature] = versioned.split(",");
		return version === "v1" && signature !== undefined ? [signature] : [];
	});
	const signed = encoder.encode(`${id}.${timestamp}.${body}`);
	let reason = "No matching signature found";
	for (const candidate of secrets) {
		const key = await keyFor(candidate.secret);
		if (!key) {
			reason = "unverifiable";
			continue;
		}
		const expected = base64Encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)));
		// Every offered signature is compared, so the time taken does not say which one matched.
		let matched = false;
		for (const signature of offered) if (constantTimeEqual(signature, expected)) matched = true;
		if (matched) return { ok: true, secret: candidate };
		reason = "No matching signature found";
	}
	return { ok: false, reason };
}

/** One imported key per secret, made once per isolate (undefined: the secret is no base64 key). */
const keys = new Map<string, Promise<CryptoKey | undefined>>();

function keyFor(secret: string): Promise<CryptoKey | undefined> {
	let key = keys.get(secret);
	if (!key) {
		key = importSecret(secret);
		keys.set(secret, key);
	}
	return key;
}

async function importSecret(secret: string): Promise<CryptoKey | undefined> {
	const raw = base64Decode(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
	if (!raw || raw.byteLength === 0) return undefined;
	return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}
