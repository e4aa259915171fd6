import { describe, expect, it } from "vitest";
import { idOf } from "../../functions/contract/lossless-json.ts";

// How an id read as digits (a path or query parameter, a stored row) is held: a number within 2^53,
// a bigint past it; short ids are read without a bigint, with the same result.
describe("idOf", () => {
	it.each([
		["0", 0],
		["12", 12],
		["-12", -12],
		["0012", 12],
		["10000000000001", 10000000000001],
		["999999999999999", 999999999999999],
		["9007199254740991", 9007199254740991],
		["-9007199254740991", -9007199254740991],
	])("reads %s as the number %d", (digits, number) => {
		expect(idOf(digits)).toBe(number);
	});

	it.each([
		["9007199254740993", 9007199254740993n],
		["123456789012345678", 123456789012345678n],
		["-9007199254740993", -9007199254740993n],
	])("reads %s past 2^53 as a bigint, every digit kept", (digits, big) => {
		expect(idOf(digits)).toBe(big);
	});

	it("takes a number or a bigint as it is, within 2^53 as a number", () => {
		expect(idOf(42)).toBe(42);
		expect(idOf(42n)).toBe(42);
		expect(idOf(9007199254740993n)).toBe(9007199254740993n);
	});
});
