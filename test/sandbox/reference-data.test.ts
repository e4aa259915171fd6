import { beforeEach, describe, expect, it } from "vitest";
import { DEMO, mintToken, resetSandbox, sandboxClient } from "../support/sandbox.ts";

const path = { client_id: DEMO.client_id };
let client: ReturnType<typeof sandboxClient>;
let token: Awaited<ReturnType<typeof mintToken>>;

beforeEach(async () => {
	await resetSandbox();
	token = await mintToken("customer");
	client = sandboxClient(token.access_token);
});

/** An Ontario licence as a PDF417 scanner hands it over: AAMVA 08, Canadian dates, a ZO subfile. */
const ONTARIO =
	"@\n\x1e\rANSI 636012080102DL00410187ZO02280015DLDAQS12345678950415\nDCSSMITH\nDACJANE\nDADMARIE\nDBD20230415\n" +
	"DBB19850415\nDBA20280415\nDBC2\nDAU165 cm\nDAYBRO\nDAG123 MAIN ST\nDAITORONTO\nDAJON\nDAKM5V 2T6    \nDCFAB1234567\n" +
	"DCGCAN\nDDEN\nDDFN\nDDGN\rZOZOZ0001\nZOAN\r";

/** A Quebec licence, AAMVA 09: no middle name ("NONE"), a compound family name, a street with a unit. */
const QUEBEC =
	"@\n\x1e\rANSI 604428090001DL00310188DLDAQT6512-060892-08\nDCSO'NEIL-TREMBLAY\nDACMARIE-EVE\nDADNONE\n" +
	"DBD20210612\nDBB19920608\nDBA20290608\nDBC2\nDAG4500 RUE SAINT-DENIS APP 4B\nDAIMONTREAL\nDAJQC\nDAKH2J 2L3    \n" +
	"DCGCAN\nDDEN\nDDFN\nDDGN\r";

/** A Washington State licence: valid AAMVA, US dates, but not a Canadian issuer. */
const WASHINGTON =
	"@\n\x1e\rANSI 636045080001DL00310112DLDAQDOEJ*123AB\nDCSDOE\nDACJOHN\nDADQ\nDBB04151985\nDBA04152029\n" +
	"DAG1 PIKE ST\nDAISEATTLE\nDAJWA\nDAK981010000  \nDCGUSA\r";

function getI18n(query: { lang?: "en" | "fr"; key?: "salutation" | "provinces" | "govid_issued_by" | "plan_id" }) {
	return client.GET("/v2.5/client-id/{client_id}/i18n", { params: { path, query } });
}

function decode(code: string, lang?: "en" | "fr") {
	return client.POST("/v2.5/client-id/{client_id}/customers/driverslicense", {
		params: { path },
		body: { code },
		...(lang ? { querySerializer: () => `lang=${lang}` } : {}),
	});
}

describe("GET /v2.5/client-id/{client_id}/i18n", () => {
	it("returns every entry of the seed page, in English by default", async () => {
		const { data, response } = await getI18n({});
		expect(response.status).toBe(200);
		expect(Object.keys(data ?? {})).toEqual([
			"salutations",
			"provinces",
			"security_ids",
			"govid_types",
			"govid_issued_bys",
			"occupation_ids",
			"transaction_types",
			"plan_ids",
			"qcpa_disclosure",
			"insurance",
			"insurance_tc",
			"annual_fees",
			"housing_type",
		]);
		expect(data?.salutations).toEqual({ mr: "Mr.", ms: "Ms.", mrs: "Mrs.", mss: "Miss." });
		expect(data?.provinces?.QC).toBe("Quebec");
		expect(data?.security_ids?.["7"]).toBe("What is the name of the street you grew up on?");
		expect(data?.govid_types?.CADL).toBe("Driver's Licence");
		expect(data?.govid_issued_bys?.option_depends?.CAPID).toEqual({ ON: "Ontario" });
		expect(data?.govid_issued_bys?.option_depends?.CAP).toEqual({ CANADA: "Canada" });
		expect(Object.keys(data?.govid_issued_bys?.option_depends?.CAHC ?? {})).toEqual([
			"BC",
			"NB",
			"NL",
			"NT",
			"NU",
			"QC",
			"SK",
			"YT",
		]);
		expect(data?.occupation_ids?.options?.SE).toBe("Self-Employed");
		expect(data?.transaction_types?.promotional_purchase).toBe("Financed Purchase");
		expect(data?.plan_ids?.["4"]).toBe("Equal Payments, Regular Interest");
		expect(data?.housing_type?.Relatives).toBe("Lives with Relatives");
		expect(data?.qcpa_disclosure).toContain("Consumer Protection Act");
	});

	it("speaks French with lang=fr, over the same codes", async () => {
		const [{ data: en }, { data: fr }] = await Promise.all([getI18n({ lang: "en" }), getI18n({ lang: "fr" })]);
		expect(fr?.salutations).toEqual({ mr: "M.", ms: "Mme", mrs: "Mme", mss: "Mlle" });
		expect(fr?.provinces?.QC).toBe("Québec");
		expect(fr?.provinces?.BC).toBe("Colombie-Britannique");
		expect(fr?.govid_types?.CADL).toBe("Permis de conduire");
		expect(fr?.govid_issued_bys?.option_depends?.CADL?.PE).toBe("Île-du-Prince-Édouard");
		expect(fr?.occupation_ids?.options?.RT).toBe("Retraité");
		expect(fr?.housing_type?.Rent).toBe("Locataire");
		expect(fr?.qcpa_disclosure).toContain("Loi sur la protection du consommateur");
		// Every dictionary has the same codes in both languages; only the labels change.
		for (const entry of ["salutations", "provinces", "security_ids", "govid_types", "plan_ids"] as const) {
			expect(Object.keys(fr?.[entry] ?? {})).toEqual(Object.keys(en?.[entry] ?? {}));
		}
		expect(fr?.govid_issued_bys).not.toEqual(en?.govid_issued_bys);
		expect(Object.keys(fr?.govid_issued_bys?.option_depends ?? {})).toEqual(
			Object.keys(en?.govid_issued_bys?.option_depends ?? {}),
		);
	});

	it.each([
		["salutation", "salutations"],
		["provinces", "provinces"],
		["govid_issued_by", "govid_issued_bys"],
		["plan_id", "plan_ids"],
	] as const)("key=%s returns only the %s entry", async (key, entry) => {
		const [{ data: one }, { data: all }] = await Promise.all([getI18n({ key, lang: "fr" }), getI18n({ lang: "fr" })]);
		expect(Object.keys(one ?? {})).toEqual([entry]);
		expect(one?.[entry]).toEqual(all?.[entry]);
	});

	it("refuses a key outside the spec's list with wrong_inputs", async () => {
		const { error, response } = await client.GET("/v2.5/client-id/{client_id}/i18n", {
			params: { path, query: { key: "salutations" as "salutation" } },
		});
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs" });
	});
});

describe("GET /v2.5/client-id/{client_id}/terms-and-conditions", () => {
	it("returns the cardholder agreement with a version, in English or French", async () => {
		const terms = "/v2.5/client-id/{client_id}/terms-and-conditions" as const;
		const { data: en, response } = await client.GET(terms, { params: { path } });
		// The spec declares no `lang` on this operation; the sandbox honours the common `?lang=` anyway.
		const { data: fr } = await client.GET(terms, { params: { path }, querySerializer: () => "lang=fr" });
		expect(response.status).toBe(200);
		expect(en?.version).toBe("2025.1-sandbox");
		expect(fr?.version).toBe(en?.version);
		expect(en?.terms_and_conditions).toMatch(/^FlexitiCard Cardholder Agreement/);
		expect(en?.terms_and_conditions).toContain("minimum payment");
		expect(fr?.terms_and_conditions).toMatch(/^Contrat du titulaire de la FlexitiCard/);
		expect(fr?.terms_and_conditions).toContain("paiement minimum");
	});
});

describe("POST /v2.5/client-id/{client_id}/customers/driverslicense", () => {
	it("decodes an Ontario licence (Canadian dates, middle name) into title-cased form fields", async () => {
		const { data, response } = await decode(ONTARIO);
		expect(response.status).toBe(200);
		expect(data).toEqual({
			first_name: "Jane",
			middle_name: "Marie",
			last_name: "Smith",
			dob: "1985-04-15",
			address_1: "123 Main St",
			city: "Toronto",
			province: "ON",
			postal_code: "M5V2T6",
			govid_type: "CADL",
			govid_issuedby: "ON",
			govid_number: "S12345678950415",
			govid_expiry: "2028-04-15",
		});
	});

	it("decodes a Quebec licence, leaving out the middle name it does not have", async () => {
		const { data } = await decode(QUEBEC);
		expect(data).toEqual({
			first_name: "Marie-Eve",
			last_name: "O'Neil-Tremblay",
			dob: "1992-06-08",
			address_1: "4500 Rue Saint-Denis App 4B",
			city: "Montreal",
			province: "QC",
			postal_code: "H2J2L3",
			govid_type: "CADL",
			govid_issuedby: "QC",
			govid_number: "T6512-060892-08",
			govid_expiry: "2029-06-08",
		});
	});

	it("works with a merchant token too (in-store prefill)", async () => {
		const merchant = await mintToken("merchant");
		const { data } = await sandboxClient(merchant.access_token).POST(
			"/v2.5/client-id/{client_id}/customers/driverslicense",
			{ params: { path }, body: { code: ONTARIO } },
		);
		expect(data?.govid_issuedby).toBe("ON");
	});

	it.each([
		["plain text", "hello, world"],
		["a licence number typed by hand", "S12345678950415"],
		["a truncated header", "@\n\x1e\rANSI 6360"],
		["an ID card without a DL subfile", "@\n\x1e\rANSI 636012080101ID00310030IDDCSSMITH\nDACJANE\nDBB19850415\r"],
		["a licence without a date of birth", "@\n\x1e\rANSI 636012080101DL00310024DLDCSSMITH\nDACJANE\nDAJON\r"],
		["a licence without a name", "@\n\x1e\rANSI 636012080101DL00310025DLDBB19850415\nDAJON\nDAQX1\r"],
	])("refuses %s with wrong_inputs", async (_, code) => {
		const { error, response } = await decode(code);
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs", message: expect.stringMatching(/barcode|code/i) });
	});

	it("refuses a US licence: Flexiti's CADL issuers are Canadian only", async () => {
		const { error, response } = await decode(WASHINGTON);
		expect(response.status).toBe(409);
		expect(error).toEqual(
			expect.objectContaining({ error: "wrong_inputs", message: expect.stringContaining("Canadian") }),
		);
	});

	it("explains the refusal in French with lang=fr", async () => {
		const { error } = await decode("hello, world", "fr");
		expect(error).toMatchObject({ message: "Le code n'est pas un code-barres de permis de conduire AAMVA" });
	});

	it("refuses an empty code through spec validation", async () => {
		const { error, response } = await decode("");
		expect(response.status).toBe(409);
		expect(error).toMatchObject({ error: "wrong_inputs" });
	});
});
