/**
 * Decoding the PDF417 barcode on the back of a North American driver's licence (the AAMVA DL/ID
 * Card Design Standard, "Annex D"). Pure: a scanned string in, the licence fields or a reason out.
 *
 * The barcode is one "file":
 *
 *   header     "@" LF RS CR                      compliance indicator, then the three separators
 *              "ANSI "                            file type ("AAMVA" on pre-2000 cards)
 *              IIN (6 digits)                     issuer identification number: the jurisdiction
 *              AAMVA version (2 digits)           which edition of the standard the card follows
 *              jurisdiction version (2 digits)    absent before version 2
 *              number of entries (2 digits)       how many subfile designators follow
 *              designators (10 characters each)   subfile type (2), offset (4), length (4)
 *   subfiles   type ("DL", "ID", "Z?") then elements "XXXvalue" separated by LF, the last one ended by CR
 *
 * Element ids used here: DCS family name, DAC first name, DAD middle name (DCT given names, and
 * DAA/DAB full and family name, on older cards), DBB date of birth, DBA expiry, DAG street, DAI
 * city, DAJ province or state, DAK postal code, DAQ licence number, DCG country.
 */

export type AamvaCountry = "CAN" | "USA";

export interface AamvaLicence {
	iin: string;
	aamvaVersion: number;
	/** null before AAMVA version 2, whose header has no jurisdiction version. */
	jurisdictionVersion: number | null;
	/** From DCG, else from the IIN; null when neither says (the dates were then read the US way). */
	country: AamvaCountry | null;
	lastName: string;
	firstName: string;
	middleName: string | null;
	/** YYYY-MM-DD. */
	dateOfBirth: string;
	/** YYYY-MM-DD. */
	expiryDate: string | null;
	street: string | null;
	city: string | null;
	/** The address's province or state code (DAJ), as printed. */
	jurisdiction: string | null;
	postalCode: string | null;
	licenceNumber: string | null;
}

export type AamvaFailure = "not_aamva" | "no_dl_subfile" | "missing_name" | "missing_date_of_birth" | "bad_date";

export type AamvaResult = { ok: true; licence: AamvaLicence } | { ok: false; reason: AamvaFailure };

/**
 * IINs of the Canadian licence issuers. Canada has no IIN prefix of its own (US states hold 6360xx
 * too: 636014 is California), so the country can only be told from this list or from DCG.
 */
export const CANADIAN_IINS: Readonly<Record<string, string>> = {
	"604432": "AB",
	"636028": "BC",
	"636048": "MB",
	"636017": "NB",
	"636016": "NL",
	"636013": "NS",
	"604430": "NT",
	"604433": "NU",
	"636012": "ON",
	"604426": "PE",
	"604428": "QC",
	"636044": "SK",
	"604429": "YT",
};

/** The Canadian province or territory that issued a licence, from its IIN. */
export function canadianIssuerOf(iin: string): string | undefined {
	return CANADIAN_IINS[iin];
}

interface Header {
	elementSeparator: string;
	segmentTerminator: string;
	iin: string;
	aamvaVersion: number;
	jurisdictionVersion: number | null;
	designators: { type: string; offset: number; length: number }[];
	/** Where the subfiles start, just after the last designator. */
	end: number;
}

/** Decodes a scanned AAMVA barcode into the fields of its DL subfile. */
export function parseAamvaLicence(raw: string): AamvaResult {
	const header = parseHeader(raw);
	if (!header) return { ok: false, reason: "not_aamva" };
	const subfile = locateSubfile(raw, header, "DL");
	if (subfile === null) return { ok: false, reason: "no_dl_subfile" };
	const elements = parseElements(subfile, header);

	const name = nameOf(elements);
	if (!name) return { ok: false, reason: "missing_name" };
	const dob = elements.get("DBB");
	if (!dob) return { ok: false, reason: "missing_date_of_birth" };

	const country = countryOf(elements.get("DCG"), header.iin);
	const dateOfBirth = parseAamvaDate(dob, country);
	const expiry = elements.get("DBA");
	const expiryDate = expiry ? parseAamvaDate(expiry, country) : null;
	if (!dateOfBirth || (expiry && !expiryDate)) return { ok: false, reason: "bad_date" };

	return {
		ok: true,
		licence: {
			iin: header.iin,
			aamvaVersion: header.aamvaVersion,
			jurisdictionVersion: header.jurisdictionVersion,
			country,
			...name,
			dateOfBirth,
			expiryDate,
			street: elements.get("DAG") ?? null,
			city: elements.get("DAI") ?? null,
			jurisdiction: elements.get("DAJ") ?? null,
			postalCode: normalizePostalCode(elements.get("DAK")),
			licenceNumber: elements.get("DAQ") ?? null,
		},
	};
}

function parseHeader(raw: string): Header | null {
	// The separators are read from the header rather than assumed: the standard fixes them to
	// LF, RS and CR, but some scanners translate control characters, and the header says which.
	if (raw[0] !== "@" || raw.length < 4) return null;
	const elementSeparator = raw[1] as string;
	const segmentTerminator = raw[3] as string;
	const fileType = raw.slice(4, 9);
	if (fileType !== "ANSI " && fileType !== "AAMVA") return null;

	const iin = raw.slice(9, 15);
	const aamvaVersion = digits(raw, 15, 2);
	if (!/^\d{6}$/.test(iin) || aamvaVersion === null) return null;
	const hasJurisdictionVersion = aamvaVersion >= 2;
	const jurisdictionVersion = hasJurisdictionVersion ? digits(raw, 17, 2) : null;
	if (hasJurisdictionVersion && jurisdictionVersion === null) return null;

	const entriesAt = hasJurisdictionVersion ? 19 : 17;
	const entries = digits(raw, entriesAt, 2);
	if (entries === null || entries === 0) return null;
	const designators: Header["designators"] = [];
	for (let i = 0; i < entries; i++) {
		const at = entriesAt + 2 + i * 10;
		const type = raw.slice(at, at + 2);
		const offset = digits(raw, at + 2, 4);
		const length = digits(raw, at + 6, 4);
		if (!/^[A-Z]{2}$/.test(type) || offset === null || length === null) return null;
		designators.push({ type, offset, length });
	}
	return {
		elementSeparator,
		segmentTerminator,
		iin,
		aamvaVersion,
		jurisdictionVersion,
		designators,
		end: entriesAt + 2 + entries * 10,
	};
}

function digits(raw: string, at: number, count: number): number | null {
	const text = raw.slice(at, at + count);
	return new RegExp(`^\\d{${count}}$`).test(text) ? Number(text) : null;
}

/**
 * The text of one subfile, after its 2-letter type and up to its segment terminator. The
 * designator's offset is tried first; when it is off (some issuers count from another origin, and
 * scanners that drop or double control characters shift everything after them), the subfile is
 * found by its type followed by an element id, after the header.
 */
function locateSubfile(raw: string, header: Header, type: string): string | null {
	const designator = header.designators.find((d) => d.type === type);
	if (!designator) return null;
	let start = raw.startsWith(type, designator.offset) ? designator.offset : -1;
	if (start < header.end) {
		const found = new RegExp(`${type}[A-Z]{3}`).exec(raw.slice(header.end));
		if (!found) return null;
		start = header.end + found.index;
	}
	const body = raw.slice(start + type.length);
	const terminator = body.indexOf(header.segmentTerminator);
	return terminator === -1 ? body : body.slice(0, terminator);
}

/** Element id → value; empty values are dropped, and the first occurrence of an id wins. */
function parseElements(subfile: string, header: Header): Map<string, string> {
	const elements = new Map<string, string>();
	for (const line of subfile.split(header.elementSeparator)) {
		const id = line.slice(0, 3);
		const value = line.slice(3).trim();
		if (/^[A-Z]{3}$/.test(id) && value !== "" && !elements.has(id)) elements.set(id, value);
	}
	return elements;
}

/** Values issuers write where a name part does not exist or is unknown. */
const NO_VALUE = new Set(["NONE", "UNAVL", "UNAVAILABLE", "N/A"]);

function present(value: string | undefined): string | null {
	return value && !NO_VALUE.has(value.toUpperCase()) ? value : null;
}

type Name = Pick<AamvaLicence, "lastName" | "firstName" | "middleName">;

/**
 * The name, by edition: version 4 and later have DCS/DAC/DAD; versions 2-3 have DCS and DCT
 * ("FIRST,MIDDLE"); version 1 has DAB/DAC/DAD or only DAA ("LAST,FIRST,MIDDLE"). Each
 * field falls back to the older form, because issuers mixed the editions in practice.
 */
function nameOf(elements: Map<string, string>): Name | null {
	const full = (elements.get("DAA") ?? "").split(",").map((part) => part.trim());
	const given = (elements.get("DCT") ?? "").split(",").map((part) => part.trim());
	const lastName = present(elements.get("DCS")) ?? present(elements.get("DAB")) ?? present(full[0]);
	const firstName = present(elements.get("DAC")) ?? present(given[0]) ?? present(full[1]);
	if (!lastName || !firstName) return null;
	const middleName =
		present(elements.get("DAD")) ?? present(given.slice(1).join(" ")) ?? present(full.slice(2).join(" "));
	return { lastName, firstName, middleName };
}

/** DCG when it names a country we know; else Canada for a Canadian IIN. */
function countryOf(dcg: string | undefined, iin: string): AamvaCountry | null {
	if (dcg === "CAN" || dcg === "USA") return dcg;
	return canadianIssuerOf(iin) ? "CAN" : null;
}

/**
 * An 8-digit AAMVA date as YYYY-MM-DD. The standard has US cards write MMDDCCYY and Canadian ones
 * CCYYMMDD; when the expected order gives no real date, the other one is tried, because some
 * issuers printed the other order before they adopted the rule and the two never both parse.
 */
export function parseAamvaDate(value: string, country: AamvaCountry | null): string | null {
	if (!/^\d{8}$/.test(value)) return null;
	const canadian = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
	const american = `${value.slice(4, 8)}-${value.slice(0, 2)}-${value.slice(2, 4)}`;
	const [first, second] = country === "CAN" ? [canadian, american] : [american, canadian];
	return isCalendarDate(first) ? first : isCalendarDate(second) ? second : null;
}

function isCalendarDate(iso: string): boolean {
	const [year, month, day] = iso.split("-").map(Number) as [number, number, number];
	if (year < 1900 || month < 1 || month > 12 || day < 1) return false;
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * DAK is an 11-character field padded with spaces; US issuers also pad a 5-digit ZIP to 9 with
 * zeros ("981010000"). Canadian codes lose their inner space so forms get "M5V2T6".
 */
export function normalizePostalCode(value: string | undefined): string | null {
	if (!value) return null;
	const compact = value.replace(/\s+/g, "").toUpperCase();
	const canadian = /^[A-Z]\d[A-Z]\d[A-Z]\d/.exec(compact);
	if (canadian) return canadian[0];
	const zip = /^(\d{5})(\d{4})?/.exec(compact);
	if (zip) return zip[2] && zip[2] !== "0000" ? `${zip[1]}-${zip[2]}` : (zip[1] as string);
	return compact === "" ? null : compact;
}

/**
 * "JANE" → "Jane", "O'NEIL" → "O'Neil", "ST-JEAN" → "St-Jean": cards print capitals, forms want
 * names as people write them. Words that start with a digit ("4B", "1ST") are left as they are.
 */
export function titleCase(text: string): string {
	return text.replace(/[\p{L}\p{N}]+/gu, (word) =>
		/^\p{L}/u.test(word) ? word.charAt(0).toUpperCase() + word.slice(1).toLowerCase() : word,
	);
}
