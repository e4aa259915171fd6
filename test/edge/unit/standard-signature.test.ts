/**
 * The edge's Standard Webhooks verifier (WebCrypto) against the `standardwebhooks` package it replaces
 * on the ack path: for generated deliveries — timestamps around both ends of the tolerance, one or
 * several signatures (right, wrong, of another secret, of another version, cut short), one or two
 * configured secrets — both accept the same ones, with the same secret, and refuse the rest for the
 * same reason.
 */
import fc from "fast-check";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { verifyStandardWebhook } from "../../../functions/edge/routes/webhooks/standard-signature.ts";

const SECRET_A = "whsec_h8dunegOhBX0JKCMNXI4iFLYNe7Z4lCq";
const SECRET_B = "whsec_cKx5JeFhLXmayQXIcOlMi5pNbdR5N1E6";
const UNKNOWN = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** What the package says of a delivery, secret by secret as the edge tries them (first match wins). */
function packageVerdict(
	body: string,
	headers: Record<string, string>,
	secrets: readonly { secret: string }[],
): { ok: true; secret: string } | { ok: false; reason: string } {
	let reason = "no secret";
	for (const { secret } of secrets) {
		try {
			new Webhook(secret).verify(body, headers, { jsonParse: false });
			return { ok: true, secret };
		} catch (error) {
			reason = error instanceof WebhookVerificationError ? error.message : "unverifiable";
		}
	}
	return { ok: false, reason };
}

/** One `webhook-signature` entry, made by the package (or spoiled) for this id, time and body. */
const signatureKinds = ["A", "B", "unknown", "v2", "cut", "flipped", "garbage", "bare-v1"] as const;
function signatureOf(kind: (typeof signatureKinds)[number], id: string, at: Date, body: string): string {
	const sign = (secret: string) => new Webhook(secret).sign(id, at, body);
	switch (kind) {
		case "A":
			return sign(SECRET_A);
		case "B":
			return sign(SECRET_B);
		case "unknown":
			return sign(UNKNOWN);
		case "v2":
			return sign(SECRET_A).replace("v1,", "v2,");
		case "cut":
			return sign(SECRET_A).slice(0, -2);
		case "flipped": {
			const good = sign(SECRET_A);
			const last = good.at(-2) === "A" ? "B" : "A";
			return `${good.slice(0, -2)}${last}=`;
		}
		case "garbage":
			return "v1,not-base64!";
		case "bare-v1":
			return "v1";
	}
}

describe("Standard Webhooks verification (WebCrypto) agrees with the standardwebhooks package", () => {
	it("on generated deliveries", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.string({ unit: "grapheme", maxLength: 200 }),
				fc.stringMatching(/^msg_[A-Za-z0-9]{1,20}$/),
				// Seconds from now: inside, at and beyond both ends of the five minutes.
				fc.oneof(fc.integer({ min: -310, max: 310 }), fc.constantFrom(-301, -300, 300, 301, -100_000, 100_000)),
				fc.array(fc.constantFrom(...signatureKinds), { minLength: 1, maxLength: 4 }),
				fc.constantFrom([SECRET_A], [SECRET_B, SECRET_A], [SECRET_A, SECRET_B], [UNKNOWN]),
				fc.boolean(),
				async (body, id, offsetSeconds, kinds, secretList, suffixed) => {
					const nowMs = Date.now();
					const timestamp = Math.floor(nowMs / 1000) + offsetSeconds;
					const at = new Date(timestamp * 1000);
					const headers = {
						"webhook-id": id,
						// The package reads the timestamp with parseInt: trailing text is ignored by both.
						"webhook-timestamp": suffixed ? `${timestamp}abc` : String(timestamp),
						"webhook-signature": kinds.map((kind) => signatureOf(kind, id, at, body)).join(" "),
					};
					const secrets = secretList.map((secret) => ({ secret }));
					// The package reads Date.now() itself: in workerd it does not move without I/O, so both see nowMs.
					const expected = packageVerdict(body, headers, secrets);
					const actual = await verifyStandardWebhook(body, new Headers(headers), secrets, nowMs);
					if (expected.ok) expect(actual).toEqual({ ok: true, secret: { secret: expected.secret } });
					else expect(actual).toEqual({ ok: false, reason: expected.reason });
				},
			),
			{ numRuns: 400 },
		);
	});

	it("a delivery signed now by the first secret, or by the rotated one, is accepted; a stale one is not", async () => {
		const body = JSON.stringify({ type: "order.cancelled", data: { reference: "R-1" } });
		const secrets = [{ secret: SECRET_A }, { secret: SECRET_B, clientId: "second" }];
		const at = new Date();
		const headers = (secret: string, when = at) =>
			new Headers({
				"webhook-id": "msg_1",
				"webhook-timestamp": String(Math.floor(when.getTime() / 1000)),
				"webhook-signature": new Webhook(secret).sign("msg_1", when, body),
			});
		expect(await verifyStandardWebhook(body, headers(SECRET_A), secrets)).toEqual({ ok: true, secret: secrets[0] });
		expect(await verifyStandardWebhook(body, headers(SECRET_B), secrets)).toEqual({ ok: true, secret: secrets[1] });
		expect(await verifyStandardWebhook(`${body} `, headers(SECRET_A), secrets)).toEqual({
			ok: false,
			reason: "No matching signature found",
		});
		const stale = new Date(at.getTime() - 301_000);
		expect(await verifyStandardWebhook(body, headers(SECRET_A, stale), secrets)).toEqual({
			ok: false,
			reason: "Message timestamp too old",
		});
	});

	it("names the missing headers", async () => {
		expect(await verifyStandardWebhook("{}", new Headers({ "webhook-id": "msg_1" }), [{ secret: SECRET_A }])).toEqual({
			ok: false,
			reason: "the webhook-timestamp, webhook-signature headers are missing",
		});
	});
});
