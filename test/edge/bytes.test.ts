import { describe, expect, it } from "vitest";
import {
	base64Decode,
	base64Encode,
	base64UrlEncode,
	hexDecode,
	hexEncode,
	sha256Hex,
} from "../../functions/contract/bytes.ts";
import { constantTimeEqual } from "../../functions/contract/constant-time.ts";

// The one home of encodings and the one constant-time compare, on their own (unit tests, in workerd
// because constantTimeEqual uses workerd's crypto.subtle.timingSafeEqual).
describe("bytes", () => {
	const all = Uint8Array.from({ length: 256 }, (_, i) => i);

	it("round-trips every byte through base64 and hex", () => {
		expect(base64Decode(base64Encode(all))).toEqual(all);
		expect(hexDecode(hexEncode(all))).toEqual(all);
	});

	it("writes URL-safe base64 without padding", () => {
		const encoded = base64UrlEncode(Uint8Array.of(0xfb, 0xff, 0xfe, 0x01));
		expect(encoded).toBe("-__-AQ");
	});

	it("answers undefined, not an exception, for text that is not base64", () => {
		expect(base64Decode("not base64!")).toBeUndefined();
		expect(base64Decode(" AQID ")).toEqual(Uint8Array.of(1, 2, 3));
	});

	it("digests with SHA-256 (the published digest of the empty string)", async () => {
		expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	});
});

describe("constantTimeEqual", () => {
	it("compares strings and bytes, of equal and different lengths", () => {
		expect(constantTimeEqual("secret", "secret")).toBe(true);
		expect(constantTimeEqual("secret", "secreT")).toBe(false);
		expect(constantTimeEqual("secret", "secret-longer")).toBe(false);
		expect(constantTimeEqual("", "")).toBe(true);
		expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
		expect(constantTimeEqual(Uint8Array.of(1, 2), Uint8Array.of(1))).toBe(false);
	});
});
