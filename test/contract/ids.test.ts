/**
 * Issue 17 item 6: one representation per Flexiti id across the edge's spec and Flexiti's, parameters
 * included, so an id read from one answer goes into the next call as it is, with no cast. Every
 * property and parameter that carries one of Flexiti's ids is a `$ref` to that id's one schema, and
 * the id schemas of the two specs say the same thing (type, format, range).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const specDir = resolve(import.meta.dirname, "../../spec");
const specs = ["edge-api.yaml", "flexiti-pos-api.yaml", "flexiti-online-api.yaml"] as const;

/** Each id's field and parameter names, and the one schema it must be. */
const ids: Record<string, string> = {
	authorization_id: "AuthorizationId",
	account_number: "AccountNumber",
	capture_id: "CaptureId",
	return_id: "ReturnId",
	online_order_id: "OnlineOrderId",
};
/** Fields named otherwise that carry an id (StandardOrderEvent's `capture`: the capture to refund against). */
const aliases: Record<string, string> = {
	"#/components/schemas/StandardOrderEvent/properties/data/properties/capture": "CaptureId",
};

type Node = Record<string, unknown>;

function read(file: string): Node {
	return parse(readFileSync(resolve(specDir, file), "utf8")) as Node;
}

/** Every place an id is written: schema properties named like one, parameters named like one, the aliases. */
function idUses(document: Node): { at: string; expected: string; schema: unknown }[] {
	const found: { at: string; expected: string; schema: unknown }[] = [];
	const visit = (node: unknown, pointer: string) => {
		if (Array.isArray(node)) {
			node.forEach((child, i) => {
				visit(child, `${pointer}/${i}`);
			});
			return;
		}
		if (node === null || typeof node !== "object") return;
		const object = node as Node;
		// A parameter: its schema.
		if (typeof object.name === "string" && typeof object.in === "string" && object.name in ids)
			found.push({ at: pointer, expected: ids[object.name] as string, schema: object.schema });
		if (object.properties && typeof object.properties === "object") {
			for (const [name, schema] of Object.entries(object.properties as Node)) {
				const at = `${pointer}/properties/${name}`;
				const expected = aliases[at] ?? ids[name];
				if (expected) found.push({ at, expected, schema });
			}
		}
		for (const [key, child] of Object.entries(object)) visit(child, `${pointer}/${key.replaceAll("/", "~1")}`);
	};
	visit(document, "#");
	return found;
}

describe.each(specs)("spec/%s", (file) => {
	const document = read(file);
	const uses = idUses(document);

	it("writes each Flexiti id with its one schema, in bodies, answers and parameters", () => {
		const wrong = uses
			.filter(({ at, expected, schema }) => {
				// The id schema's own definition is where the representation lives.
				if (at === `#/components/schemas/${expected}`) return false;
				return (schema as { $ref?: unknown } | undefined)?.$ref !== `#/components/schemas/${expected}`;
			})
			.map(({ at, expected, schema }) => `${at}: ${JSON.stringify(schema)} (expected $ref ${expected})`);
		expect(wrong).toEqual([]);
	});

	it("finds the ids it checks, parameters among them", () => {
		if (file === "flexiti-online-api.yaml") {
			// A session's id, and the account a hosted purchase was made on.
			expect(uses.map(({ at }) => at)).toEqual([
				"#/components/schemas/SystemsInitResponse/properties/online_order_id",
				"#/components/schemas/Notification/properties/purchase/properties/account_number",
			]);
			return;
		}
		expect(uses.length).toBeGreaterThan(3);
		if (file === "flexiti-pos-api.yaml")
			expect(uses.filter(({ at }) => at.startsWith("#/components/parameters/")).length).toBeGreaterThanOrEqual(3);
		if (file === "edge-api.yaml") expect(uses.map(({ at }) => at)).toContain(Object.keys(aliases)[0]);
	});
});

it("the specs' id schemas say the same: type, format and range (Flexiti's string form of an id aside)", () => {
	const [edge, ...flexiti] = specs.map((file) => (read(file).components as { schemas: Record<string, Node> }).schemas);
	/** An id's integer form: the schema itself, or its integer branch where Flexiti also sends digits as a string. */
	const shape = (schema: Node | undefined) => {
		const integer = Array.isArray(schema?.oneOf)
			? (schema.oneOf as Node[]).find((branch) => branch.type === "integer")
			: schema;
		return { type: integer?.type, format: integer?.format, minimum: integer?.minimum, maximum: integer?.maximum };
	};
	for (const name of Object.values(ids)) {
		const defined = flexiti.filter((schemas) => schemas?.[name]);
		expect(defined.length, `${name} is defined in a Flexiti spec`).toBeGreaterThan(0);
		for (const schemas of defined) expect(shape(edge?.[name]), name).toEqual(shape(schemas?.[name]));
		expect(shape(edge?.[name]).type, name).toBe("integer");
	}
});
