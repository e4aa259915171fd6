import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { flexitiOperations } from "../generated/flexiti-operations.ts";
import specText from "../spec/flexiti-pos-api.yaml?raw";

interface Operation {
	operationId?: string;
	security?: Record<string, string[]>[];
	responses?: Record<string, unknown>;
}
const spec = parse(specText) as { paths: Record<string, Record<string, Operation>> };
const httpMethods = new Set(["get", "post", "put", "patch", "delete"]);
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
	Object.entries(item)
		.filter(([method]) => httpMethods.has(method))
		.map(([method, operation]) => ({ path, method, operation })),
);

describe("spec/flexiti-pos-api.yaml", () => {
	it("describes every POS API operation of the facts file (§3a/§3b)", () => {
		expect(operations.map(({ operation }) => operation.operationId).sort()).toEqual([
			"apply",
			"calculateInterest",
			"captureAuthorization",
			"closeAccount",
			"createAuthorization",
			"createToken",
			"createTransaction",
			"decodeDriversLicense",
			"getAuthorization",
			"getI18n",
			"getTermsAndConditions",
			"initWidget",
			"listAuthorizations",
			"listCaptures",
			"lookupCustomer",
			"refundAccount",
			"releaseAuthorization",
			"returnCapture",
			"searchCustomers",
			"verifyAccount",
		]);
	});

	it.each(operations)(
		"$method $path has an operationId, a scope, a success and the error responses",
		({ operation }) => {
			expect(operation.operationId).toMatch(/^[a-z][A-Za-z0-9]+$/);
			expect(operation.security).toBeDefined();
			const responses = Object.keys(operation.responses ?? {});
			expect(responses).toContain("200");
			if (operation.operationId === "createToken") {
				expect(operation.security).toEqual([]);
				expect(responses).toEqual(expect.arrayContaining(["400", "409"]));
			} else {
				expect(operation.security?.length).toBeGreaterThan(0);
				expect(responses).toEqual(
					expect.arrayContaining(["401", "403", "404", "409", "465", "466", "467", "500", "502", "503", "504"]),
				);
			}
		},
	);
});

describe("generated/flexiti-operations.ts", () => {
	it("has one entry per spec operation, with its method and path", () => {
		expect(Object.keys(flexitiOperations)).toHaveLength(operations.length);
		for (const { path, method, operation } of operations) {
			const entry = flexitiOperations[operation.operationId as keyof typeof flexitiOperations];
			expect(entry).toMatchObject({ path, method: method.toUpperCase() });
		}
	});

	it("takes each operation's scopes from its OAuth2 security requirement", () => {
		expect(flexitiOperations.initWidget.scopes).toEqual(["customer", "merchant"]);
		expect(flexitiOperations.createAuthorization.scopes).toEqual(["customer", "merchant"]);
		expect(flexitiOperations.captureAuthorization.scopes).toEqual(["merchant"]);
		expect(flexitiOperations.refundAccount.scopes).toEqual(["merchant"]);
		expect(flexitiOperations.createToken.scopes).toEqual([]);
		const customerCallable = Object.entries(flexitiOperations)
			.filter(([, entry]) => (entry.scopes as readonly string[]).includes("customer"))
			.map(([id]) => id)
			.sort();
		expect(customerCallable).toEqual([
			"apply",
			"calculateInterest",
			"closeAccount",
			"createAuthorization",
			"decodeDriversLicense",
			"getI18n",
			"getTermsAndConditions",
			"initWidget",
			"verifyAccount",
		]);
	});

	it("records the version segment and which POSTs take an idempotency key", () => {
		expect(flexitiOperations.calculateInterest).toMatchObject({ version: "2.5.1" });
		expect(flexitiOperations.captureAuthorization).toMatchObject({ version: "2.5", idempotencyKey: true });
		expect(flexitiOperations.createTransaction.idempotencyKey).toBe(true);
		expect(flexitiOperations.createAuthorization.idempotencyKey).toBe(false);
	});
});
