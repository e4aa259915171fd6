/**
 * What the bench's fast upstream answers: for each Flexiti operation, its success (200) body from
 * spec/flexiti-pos-api.yaml — the spec's own example when it has one, else the smallest value its
 * schema allows (required properties only, first enum value, empty arrays). Read when the bench
 * starts and handed to the stub Worker as a JSON setting, so the stub never parses YAML.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

type Node = Record<string, unknown>;

export function specExamples(specFile = "spec/flexiti-pos-api.yaml"): Record<string, unknown> {
	const document = parse(readFileSync(specFile, "utf8")) as Node;
	const resolve = (node: unknown): Node => {
		let current = node as Node;
		for (let hops = 0; current && typeof current.$ref === "string" && hops < 20; hops++) {
			const path = (current.$ref as string).replace(/^#\//, "").split("/");
			current = path.reduce<Node>((at, key) => at?.[key] as Node, document);
		}
		return current ?? {};
	};
	const sample = (schemaNode: unknown, depth = 0): unknown => {
		const schema = resolve(schemaNode);
		if (schema.example !== undefined) return schema.example;
		if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
		if (Array.isArray(schema.enum)) return schema.enum[0];
		if (depth > 8) return null;
		const combined = (schema.allOf ?? schema.oneOf ?? schema.anyOf) as unknown[] | undefined;
		if (combined?.length) return Object.assign({}, ...combined.map((part) => sample(part, depth + 1)));
		const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
		if (type === "object" || schema.properties) {
			const properties = (schema.properties ?? {}) as Node;
			const required = (schema.required ?? []) as string[];
			return Object.fromEntries(required.map((name) => [name, sample(properties[name], depth + 1)]));
		}
		if (type === "array") return [];
		if (type === "integer" || type === "number") return (schema.minimum as number | undefined) ?? 1;
		if (type === "boolean") return true;
		if (type === "string") return schema.format === "date-time" ? "2026-12-01T00:00:00Z" : "x";
		return null;
	};
	const examples: Record<string, unknown> = {};
	for (const operations of Object.values(document.paths as Node)) {
		for (const operation of Object.values(operations as Node)) {
			const op = operation as Node;
			if (typeof op?.operationId !== "string") continue;
			const ok = resolve((op.responses as Node | undefined)?.["200"]);
			const media = resolve((ok.content as Node | undefined)?.["application/json"]);
			const named = media.examples ? Object.values(media.examples as Node).map((e) => resolve(e).value) : [];
			examples[op.operationId] = media.example ?? named[0] ?? sample(media.schema);
		}
	}
	return examples;
}
