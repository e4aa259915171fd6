/**
 * The conformance check (test/support/conformance.ts) runs two validators over every answer the tests
 * get: the edge's own, on the generated response tables, and Ajv, on the spec itself. This holds the
 * second to its word: wherever a generated table has a JSON schema for an operation's status, Ajv finds
 * the same answer's schema in the spec and compiles it, so no answer is checked by our validator alone
 * (issue 17: our decimal-safe validator passed what every Ajv-based tool refused).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { edgeResponseSchemas } from "../../generated/edge-response-schemas.ts";
import surface from "../../generated/flexiti-edge-api.json";
import { flexitiEdgeResponseSchemas } from "../../generated/flexiti-edge-response-schemas.ts";
import { flexitiResponseSchemas } from "../../generated/flexiti-response-schemas.ts";
import { onlineResponseSchemas } from "../../generated/online-response-schemas.ts";
import { specAjv } from "../support/spec-ajv.ts";

const spec = (file: string) =>
	parse(readFileSync(resolve(import.meta.dirname, "../../spec", file), "utf8")) as Record<string, unknown>;

const checked = [
	{
		name: "spec/flexiti-pos-api.yaml (the sandbox's answers)",
		document: spec("flexiti-pos-api.yaml"),
		tables: flexitiResponseSchemas,
	},
	{ name: "spec/flexiti-online-api.yaml", document: spec("flexiti-online-api.yaml"), tables: onlineResponseSchemas },
	{ name: "spec/edge-api.yaml (the edge's routes)", document: spec("edge-api.yaml"), tables: edgeResponseSchemas },
	{
		name: "generated/flexiti-edge-api.json (the edge's /flexiti)",
		document: surface,
		tables: flexitiEdgeResponseSchemas,
	},
];

describe.each(checked)("$name", ({ name, document, tables }) => {
	it("every answer with a JSON schema is checked by Ajv too", () => {
		const ajv = specAjv(name.replace(/\W+/g, "-"), document);
		const missed: string[] = [];
		let compiled = 0;
		for (const [operationId, byStatus] of Object.entries(tables)) {
			for (const [status, schema] of Object.entries(byStatus as Record<string, unknown>)) {
				if (schema === null || schema === undefined) continue;
				const pointer = ajv.responsePointer(operationId, status);
				if (!pointer) missed.push(`${operationId} ${status}`);
				else {
					expect(typeof ajv.at(pointer), `${operationId} ${status}`).toBe("function");
					compiled++;
				}
			}
		}
		expect(missed).toEqual([]);
		expect(compiled).toBeGreaterThan(10);
	});
});
