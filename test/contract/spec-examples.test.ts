/**
 * Every example in every spec (spec/*.yaml) validates against the schema it illustrates, by two
 * validators that must agree: Ajv reading the YAML as a third-party tool does (JSON Schema 2020-12,
 * ajv-formats; test/support/spec-ajv.ts) and the edge's own (@cfworker/json-schema on the schema as
 * generated for the edge and the sandbox, decimal-safe). Issue 17: the spec's `multipleOf: 0.01`
 * rejected 9.95 under Ajv while our own validator passed it, so nobody here saw it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Validator } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { OpenApiDocument } from "../../scripts/operation-table.ts";
import { validationSchema } from "../../scripts/schema-tables.ts";
import { ajvErrors, specAjv } from "../support/spec-ajv.ts";

const specDir = resolve(import.meta.dirname, "../../spec");
const specFiles = readdirSync(specDir).filter((file) => file.endsWith(".yaml"));

interface Example {
	/** Where the example is, as a JSON pointer (for the failure message). */
	at: string;
	/** The JSON pointer of the schema it illustrates. */
	schema: string;
	value: unknown;
}

/** Every example in the document: media types' and parameters' `example`/`examples`, and schemas' own. */
function examplesOf(document: Record<string, unknown>): Example[] {
	const found: Example[] = [];
	const visit = (node: unknown, pointer: string, namesAreKeys: boolean) => {
		if (Array.isArray(node)) {
			node.forEach((child, i) => {
				visit(child, `${pointer}/${i}`, false);
			});
			return;
		}
		if (node === null || typeof node !== "object") return;
		const object = node as Record<string, unknown>;
		if (!namesAreKeys) {
			const hasSchema = object.schema !== undefined && typeof object.schema === "object";
			if (hasSchema && "example" in object)
				found.push({ at: pointer, schema: `${pointer}/schema`, value: object.example });
			if (hasSchema && object.examples && typeof object.examples === "object" && !Array.isArray(object.examples)) {
				for (const [name, entry] of Object.entries(object.examples as Record<string, unknown>)) {
					const example = follow(document, entry) as { value?: unknown; externalValue?: string };
					if ("value" in example)
						found.push({ at: `${pointer}/examples/${name}`, schema: `${pointer}/schema`, value: example.value });
				}
			}
			// A schema's own examples (JSON Schema's `examples` array, OpenAPI's older `example`).
			if (isSchema(object)) {
				if (Array.isArray(object.examples))
					object.examples.forEach((value, i) => {
						found.push({ at: `${pointer}/examples/${i}`, schema: pointer, value });
					});
				if ("example" in object && !hasSchema)
					found.push({ at: `${pointer}/example`, schema: pointer, value: object.example });
			}
		}
		for (const [key, child] of Object.entries(object)) {
			if (!namesAreKeys && (key === "example" || key === "examples")) continue;
			const childIsMap =
				!namesAreKeys &&
				["properties", "patternProperties", "schemas", "responses", "parameters", "paths"].includes(key);
			visit(child, `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, childIsMap);
		}
	};
	visit(document, "#", false);
	return found;
}

function isSchema(object: Record<string, unknown>): boolean {
	return ["type", "properties", "allOf", "oneOf", "anyOf", "$ref", "enum", "const", "items"].some((k) => k in object);
}

function follow(document: unknown, node: unknown): unknown {
	const ref = (node as { $ref?: unknown } | null)?.$ref;
	return typeof ref === "string" ? follow(document, at(document, ref)) : node;
}

function at(document: unknown, pointer: string): unknown {
	let node = document;
	for (const segment of pointer.replace(/^#\/?/, "").split("/").filter(Boolean)) {
		node = (node as Record<string, unknown>)[segment.replaceAll("~1", "/").replaceAll("~0", "~")];
	}
	return node;
}

describe.each(specFiles)("spec/%s", (file) => {
	const document = parse(readFileSync(resolve(specDir, file), "utf8")) as Record<string, unknown>;
	const ajv = specAjv(file.replace(/\.yaml$/, ""), document);
	const examples = examplesOf(document);

	it("every example is valid for Ajv (2020-12, formats) and for the edge's own validator", () => {
		const problems: string[] = [];
		for (const example of examples) {
			const validate = ajv.at(example.schema);
			if (!validate(example.value)) problems.push(`${example.at} (Ajv): ${ajvErrors(validate).join("; ")}`);
			const own = new Validator(
				validationSchema(document as unknown as OpenApiDocument, at(document, example.schema)) as object,
				"2020-12",
				false,
			);
			for (const error of own
				.validate(example.value)
				.errors.filter((e) => !["properties", "items", "allOf"].includes(e.keyword)))
				problems.push(`${example.at} (edge): ${error.instanceLocation} ${error.error}`);
		}
		expect(problems).toEqual([]);
	});
});

it("finds the examples of the Flexiti and edge specs", () => {
	for (const file of ["flexiti-pos-api.yaml", "edge-api.yaml"]) {
		const document = parse(readFileSync(resolve(specDir, file), "utf8")) as Record<string, unknown>;
		expect(examplesOf(document).length, file).toBeGreaterThan(0);
	}
});

describe("two-decimal amounts", () => {
	const amountSpecs = [
		["flexiti-pos-api.yaml", ["Amount", "NonNegativeAmount", "SignedAmount"]],
		["edge-api.yaml", ["Amount"]],
	] as const;
	// Each of these is a valid two-decimal amount that float division calls "not a multiple of 0.01".
	const awkward = [9.95, 19.99, 1.12, 40.01, 0.07, 1234567.89];

	it.each(amountSpecs)("%s: Ajv accepts amounts such as 9.95, 19.99 and 1.12, and so does the edge", (file, names) => {
		const document = parse(readFileSync(resolve(specDir, file), "utf8")) as Record<string, unknown>;
		const ajv = specAjv(file, document);
		for (const name of names) {
			const pointer = `#/components/schemas/${name}`;
			const own = new Validator(
				validationSchema(document as unknown as OpenApiDocument, at(document, pointer)) as object,
				"2020-12",
				false,
			);
			for (const amount of awkward) {
				expect(ajv.at(pointer)(amount), `${name} ${amount} (Ajv)`).toBe(true);
				expect(own.validate(amount).valid, `${name} ${amount} (edge)`).toBe(true);
			}
			// The edge keeps its decimal check: a third decimal is refused, by the decimal-safe multipleOf.
			expect(own.validate(10.001).errors.map((e) => e.keyword)).toContain("multipleOf");
		}
	});

	it("no spec states a multipleOf (float validators misjudge decimal divisors; say x-decimal-places)", () => {
		for (const file of specFiles) expect(readFileSync(resolve(specDir, file), "utf8")).not.toMatch(/^\s*multipleOf:/m);
	});
});
