import { describe, expect, it } from "vitest";
import {
	type AamvaResult,
	canadianIssuerOf,
	normalizePostalCode,
	parseAamvaDate,
	parseAamvaLicence,
	titleCase,
} from "../../functions/sandbox/aamva.ts";

type Subfile = [type: string, elements: string[]];

/**
 * A barcode as the standard lays it out, with true offsets and lengths: elements end with LF, a
 * subfile with CR. Versions before 2 have no jurisdiction version in the header.
 */
function barcode(subfiles: Subfile[], iin = "636012", version = "08"): string {
	const hasJurisdictionVersion = Number(version) >= 2;
	const headerLength = (hasJurisdictionVersion ? 21 : 19) + 10 * subfiles.length;
	const texts = subfiles.map(([type, elements]) => `${type}${elements.join("\n")}\r`);
	let offset = headerLength;
	const designators = subfiles.map(([type], i) => {
		const text = texts[i] as string;
		const designator = `${type}${pad(offset)}${pad(text.length)}`;
		offset += text.length;
		return designator;
	});
	const versions = `${version}${hasJurisdictionVersion ? "00" : ""}`;
	return `@\n\x1e\rANSI ${iin}${versions}${String(subfiles.length).padStart(2, "0")}${designators.join("")}${texts.join("")}`;
}

function pad(n: number): string {
	return String(n).padStart(4, "0");
}

const ontarioElements = [
	"DAQS12345678950415",
	"DCSSMITH",
	"DACJANE",
	"DADMARIE",
	"DBB19850415",
	"DBA20280415",
	"DAG123 MAIN ST",
	"DAITORONTO",
	"DAJON",
	"DAKM5V 2T6    ",
	"DCGCAN",
];

function licenceOf(result: AamvaResult) {
	if (!result.ok) throw new Error(`expected a licence, got ${result.reason}`);
	return result.licence;
}

describe("parseAamvaLicence", () => {
	it("reads the header and every DL field of an Ontario licence, as printed", () => {
		const licence = licenceOf(parseAamvaLicence(barcode([["DL", ontarioElements]])));
		expect(licence).toEqual({
			iin: "636012",
			aamvaVersion: 8,
			jurisdictionVersion: 0,
			country: "CAN",
			lastName: "SMITH",
			firstName: "JANE",
			middleName: "MARIE",
			dateOfBirth: "1985-04-15",
			expiryDate: "2028-04-15",
			street: "123 MAIN ST",
			city: "TORONTO",
			jurisdiction: "ON",
			postalCode: "M5V2T6",
			licenceNumber: "S12345678950415",
		});
	});

	it("finds the DL subfile by its designator when a jurisdiction subfile comes first", () => {
		const code = barcode([
			["ZO", ["ZOZDCSNOTME", "ZOADACNOTME"]],
			["DL", ontarioElements],
		]);
		expect(licenceOf(parseAamvaLicence(code)).lastName).toBe("SMITH");
	});

	it("still finds the DL subfile when the designator's offset is wrong", () => {
		const code = barcode([["DL", ontarioElements]]).replace("DL0031", "DL0099");
		expect(licenceOf(parseAamvaLicence(code)).firstName).toBe("JANE");
		// A scanner that turned CR LF into LF shifts every offset by one.
		const shifted = barcode([["DL", ontarioElements]]).replace("DL0031", "DL0032");
		expect(licenceOf(parseAamvaLicence(shifted)).firstName).toBe("JANE");
	});

	it("reads DCT as 'first,middle' on version 3 cards", () => {
		const code = barcode(
			[["DL", ["DCSTREMBLAY", "DCTJEAN,LUC PHILIPPE", "DBB19700102", "DAJBC", "DCGCAN"]]],
			"636028",
			"03",
		);
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({
			firstName: "JEAN",
			middleName: "LUC PHILIPPE",
			lastName: "TREMBLAY",
			aamvaVersion: 3,
		});
		const single = barcode([["DL", ["DCSTREMBLAY", "DCTJEAN", "DBB19700102"]]], "636028", "03");
		expect(licenceOf(parseAamvaLicence(single))).toMatchObject({ firstName: "JEAN", middleName: null });
	});

	it("reads a version 1 card: no jurisdiction version, the name in DAA as 'LAST,FIRST,MIDDLE'", () => {
		const code = barcode([["DL", ["DAAMACDONALD,ANNE,SHIRLEY", "DBB19650301", "DAJPE"]]], "604426", "01");
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({
			aamvaVersion: 1,
			jurisdictionVersion: null,
			lastName: "MACDONALD",
			firstName: "ANNE",
			middleName: "SHIRLEY",
			dateOfBirth: "1965-03-01",
		});
	});

	it("prefers the split name fields over DAA", () => {
		const code = barcode([["DL", ["DAAWRONG,NAME", "DCSSMITH", "DACJANE", "DBB19850415"]]]);
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({ lastName: "SMITH", firstName: "JANE" });
	});

	it.each(["NONE", "unavl", "  "])("treats a middle name of %j as absent", (middle) => {
		const code = barcode([["DL", ["DCSSMITH", "DACJANE", `DAD${middle}`, "DBB19850415"]]]);
		expect(licenceOf(parseAamvaLicence(code)).middleName).toBeNull();
	});

	it("reads US dates as MMDDCCYY and a US ZIP+4 filler as the 5-digit ZIP", () => {
		const code = barcode(
			[["DL", ["DCSDOE", "DACJOHN", "DBB04151985", "DBA04152029", "DAK981010000  ", "DCGUSA"]]],
			"636045",
		);
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({
			country: "USA",
			dateOfBirth: "1985-04-15",
			expiryDate: "2029-04-15",
			postalCode: "98101",
		});
	});

	it("knows a Canadian card by its IIN when DCG is missing", () => {
		const code = barcode([["DL", ["DCSSMITH", "DACJANE", "DBB19850415"]]], "604428");
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({ country: "CAN", dateOfBirth: "1985-04-15" });
	});

	it("reads dates written in the other country's order when the expected one is no date", () => {
		const code = barcode([["DL", ["DCSSMITH", "DACJANE", "DBB04151985", "DCGCAN"]]]);
		expect(licenceOf(parseAamvaLicence(code)).dateOfBirth).toBe("1985-04-15");
	});

	it("keeps only the first value of a repeated element, and ignores empty ones", () => {
		const code = barcode([["DL", ["DCSSMITH", "DCSJONES", "DACJANE", "DAD", "DBB19850415", "DAG"]]]);
		expect(licenceOf(parseAamvaLicence(code))).toMatchObject({ lastName: "SMITH", middleName: null, street: null });
	});

	it.each([
		["an empty string", ""],
		["plain text", "JANE SMITH 1985-04-15"],
		["the compliance indicator alone", "@"],
		["another file type", "@\n\x1e\rXSNI 636012080001DL00310010DLDCSX\r"],
		["a non-numeric IIN", "@\n\x1e\rANSI 63601A080001DL00310010DLDCSX\r"],
		["no subfile designators", "@\n\x1e\rANSI 636012080000DLDCSSMITH\r"],
		["a malformed designator", "@\n\x1e\rANSI 6360120800011L00310010DLDCSX\r"],
		["a header cut short", "@\n\x1e\rANSI 63601208"],
	])("refuses %s as not AAMVA", (_, code) => {
		expect(parseAamvaLicence(code)).toEqual({ ok: false, reason: "not_aamva" });
	});

	it("refuses an ID card (no DL subfile)", () => {
		const code = barcode([["ID", ontarioElements]]);
		expect(parseAamvaLicence(code)).toEqual({ ok: false, reason: "no_dl_subfile" });
	});

	it("refuses a DL designator whose subfile is nowhere", () => {
		const code = barcode([["ZO", ["ZOZ1"]]]).replace("ZO0031", "DL0031");
		expect(parseAamvaLicence(code)).toEqual({ ok: false, reason: "no_dl_subfile" });
	});

	it.each([
		["no family name", ["DACJANE", "DBB19850415"], "missing_name"],
		["no first name", ["DCSSMITH", "DBB19850415"], "missing_name"],
		["no date of birth", ["DCSSMITH", "DACJANE"], "missing_date_of_birth"],
		["an impossible date of birth", ["DCSSMITH", "DACJANE", "DBB19851345"], "bad_date"],
		["a short expiry date", ["DCSSMITH", "DACJANE", "DBB19850415", "DBA202804"], "bad_date"],
	])("refuses a licence with %s", (_, elements, reason) => {
		expect(parseAamvaLicence(barcode([["DL", elements]]))).toEqual({ ok: false, reason });
	});
});

describe("parseAamvaDate", () => {
	it.each([
		["19850415", "CAN", "1985-04-15"],
		["04151985", "USA", "1985-04-15"],
		["04151985", null, "1985-04-15"],
		["20000229", "CAN", "2000-02-29"],
		["19000229", "CAN", null],
		["02301990", "USA", null],
		["1985041", "CAN", null],
		["1985-04-15", "CAN", null],
	] as const)("%s (%s) → %s", (value, country, expected) => {
		expect(parseAamvaDate(value, country)).toBe(expected);
	});
});

describe("normalizePostalCode", () => {
	it.each([
		["M5V 2T6    ", "M5V2T6"],
		["m5v2t6", "M5V2T6"],
		["H2J2L30000", "H2J2L3"],
		["981010000  ", "98101"],
		["981011234", "98101-1234"],
		["   ", null],
		[undefined, null],
	])("%j → %j", (value, expected) => {
		expect(normalizePostalCode(value)).toBe(expected);
	});
});

describe("titleCase", () => {
	it.each([
		["JANE", "Jane"],
		["O'NEIL-TREMBLAY", "O'Neil-Tremblay"],
		["MARIE-EVE", "Marie-Eve"],
		["DE LA ROCHE", "De La Roche"],
		["4500 RUE SAINT-DENIS APP 4B", "4500 Rue Saint-Denis App 4B"],
		["ÉMILIE", "Émilie"],
	])("%s → %s", (text, expected) => {
		expect(titleCase(text)).toBe(expected);
	});
});

describe("canadianIssuerOf", () => {
	it.each([
		["636012", "ON"],
		["604428", "QC"],
		["636028", "BC"],
		["604432", "AB"],
		["636048", "MB"],
		["636044", "SK"],
		["636013", "NS"],
		["636017", "NB"],
		["604426", "PE"],
		["636016", "NL"],
		["604430", "NT"],
		["604433", "NU"],
		["604429", "YT"],
	])("%s → %s", (iin, province) => {
		expect(canadianIssuerOf(iin)).toBe(province);
	});

	it("knows no province for a US issuer, though its IIN starts like Canada's", () => {
		expect(canadianIssuerOf("636014")).toBeUndefined();
	});
});
