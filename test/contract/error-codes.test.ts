/**
 * The edge's error codes and spec/edge-api.yaml's `ErrorCode` are the same set. The compiler already
 * refuses an `EdgeError` whose code the spec does not list (its type is generated from the spec);
 * this reads the edge's source with the TypeScript checker for the other direction: every code the
 * spec lists is one that some `new EdgeError(…)` (or an `EdgeError` subclass's `super(…)`) can
 * produce, so the spec promises no code the edge never answers. And every error answer goes through
 * the one renderer (core/errors.ts): nothing else in the edge builds an error envelope.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { edgeErrorStatuses } from "../../generated/edge-error-codes.ts";

const root = resolve(import.meta.dirname, "../..");
const specCodes = (
	parse(readFileSync(`${root}/spec/edge-api.yaml`, "utf8")) as {
		components: { schemas: { ErrorCode: { enum: string[] } } };
	}
).components.schemas.ErrorCode.enum;

/** Each place the edge's source creates an edge error, with the codes its code argument can be. */
function producedCodes(): { codes: Set<string>; unknown: string[]; envelopeBuilders: string[] } {
	const configPath = `${root}/functions/edge/tsconfig.json`;
	const config = ts.getParsedCommandLineOfConfigFile(
		configPath,
		{},
		{ ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
	);
	if (!config) throw new Error("functions/edge/tsconfig.json does not parse");
	const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
	const checker = program.getTypeChecker();
	const codes = new Set<string>();
	const unknown: string[] = [];
	const envelopeBuilders: string[] = [];
	const where = (node: ts.Node) => {
		const file = node.getSourceFile();
		return `${file.fileName.slice(root.length + 1)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
	};
	const collect = (argument: ts.Expression | undefined, node: ts.Node) => {
		const type = argument && checker.getTypeAtLocation(argument);
		const parts = type?.isUnion() ? type.types : type ? [type] : [];
		for (const part of parts) {
			if (part.isStringLiteral()) codes.add(part.value);
			// A code whose type is a type parameter (the class itself) or a plain string is not a producer.
			else if (!(part.flags & ts.TypeFlags.TypeParameter))
				unknown.push(`${where(node)}: ${checker.typeToString(part)}`);
		}
	};
	const extendsEdgeError = (node: ts.Node): boolean => {
		const owner = ts.findAncestor(node, ts.isClassLike);
		return (
			owner?.heritageClauses?.some((clause) =>
				clause.types.some((type) => type.expression.getText().startsWith("EdgeError")),
			) ?? false
		);
	};
	for (const file of program.getSourceFiles()) {
		if (!file.fileName.startsWith(`${root}/functions/edge/`)) continue;
		const visit = (node: ts.Node): void => {
			if (ts.isNewExpression(node) && node.expression.getText() === "EdgeError") collect(node.arguments?.[0], node);
			if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.SuperKeyword && extendsEdgeError(node)) {
				collect(node.arguments[0], node);
			}
			if (ts.isCallExpression(node) && node.expression.getText() === "errorEnvelope") {
				envelopeBuilders.push(file.fileName.slice(root.length + 1));
			}
			ts.forEachChild(node, visit);
		};
		visit(file);
	}
	return { codes, unknown, envelopeBuilders };
}

describe("the edge's error codes", () => {
	const produced = producedCodes();

	it("are exactly the spec's ErrorCode enum", () => {
		expect(produced.unknown).toEqual([]);
		expect([...produced.codes].sort()).toEqual([...specCodes].sort());
	});

	it("each have the statuses the spec gives them (generated/edge-error-codes.ts is the spec's)", () => {
		expect(Object.keys(edgeErrorStatuses).sort()).toEqual([...specCodes].sort());
	});

	it("are answered by one renderer: nothing else in the edge builds an error envelope", () => {
		expect(produced.envelopeBuilders).toEqual(["functions/edge/core/errors.ts"]);
	});
});
