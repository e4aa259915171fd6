/**
 * The clients as a merchant installs them: `npm pack` builds the package (prepack → dist/client),
 * the tarball is installed into a scratch project outside the repository, and a short usage
 * example is type-checked there with tsc and run with Node against a local edge (and the sandbox
 * behind it). What a merchant's server does: open a checkout, read it back, call Flexiti through the edge.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MERCHANT_KEY } from "../support/demo-credentials.ts";
import { type LocalEdge, root, run, startLocalEdge, typeCheck } from "./local-edge.ts";

let local: LocalEdge | undefined;
let edge = "";
let scratch = "";

beforeAll(async () => {
	local = await startLocalEdge();
	edge = local.edge;

	scratch = mkdtempSync(join(tmpdir(), "flexiti-edge-client-"));
	await run("npm", ["pack", "--silent", "--pack-destination", scratch], { cwd: root });
	const tarball = readdirSync(scratch).find((name) => name.endsWith(".tgz"));
	if (!tarball) throw new Error("npm pack produced no tarball");
	writeFileSync(
		join(scratch, "package.json"),
		JSON.stringify({ name: "merchant-server", private: true, type: "module" }),
	);
	// openapi-fetch, the package's one dependency, comes from npm's cache (npm ci has just fetched it).
	await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`], { cwd: scratch });
}, 180_000);

afterAll(async () => {
	await local?.dispose();
	if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the packed client package", () => {
	it("installs with openapi-fetch as its only dependency", async () => {
		const { stdout } = await run("npm", ["ls", "--all", "--parseable", "--omit=dev"], { cwd: scratch });
		const installed = stdout
			.split("\n")
			.filter((line) => line.includes("node_modules"))
			.map((line) => line.slice(line.lastIndexOf("node_modules/") + "node_modules/".length))
			.sort();
		expect(installed).toEqual(["flexiti-edge", "openapi-fetch", "openapi-typescript-helpers"]);
	});

	it("type-checks and runs a merchant's usage example against the local edge", async () => {
		writeFileSync(join(scratch, "usage.ts"), USAGE);
		await typeCheck(scratch, ["usage.ts"]);

		const reference = `pkg-${crypto.randomUUID().slice(0, 8)}`;
		const { stdout } = await run(process.execPath, ["usage.ts"], {
			cwd: scratch,
			env: { ...process.env, EDGE_URL: edge, MERCHANT_KEY, REFERENCE: reference },
		});
		const printed = JSON.parse(stdout.trim()) as Record<string, unknown>;
		expect(printed).toMatchObject({
			created: { reference, amount: 149.99, status: "open", client_id: "flexitidemo" },
			readBack: { reference, status: "open" },
			salutations: expect.any(Number),
		});
		expect(printed.clientToken).toMatch(/^cst_/);
		expect(printed.salutations).toBeGreaterThan(0);
	});

	it("refuses a wrong body at compile time", async () => {
		writeFileSync(
			join(scratch, "wrong.ts"),
			`import { createEdgeClient } from "flexiti-edge/client";
const edge = createEdgeClient({ baseUrl: "http://127.0.0.1:1", credential: "k" });
await edge.POST("/v1/checkouts", { body: { reference: "x", amount: "149.99" } });
`,
		);
		const failed = await run(
			join(root, "node_modules/.bin/tsc"),
			[
				"--noEmit",
				"--strict",
				"--module",
				"nodenext",
				"--moduleResolution",
				"nodenext",
				"--target",
				"es2022",
				"--lib",
				"es2022,dom",
				"wrong.ts",
			],
			{ cwd: scratch },
		).then(
			() => "",
			(error: { stdout?: string }) => error.stdout ?? "failed",
		);
		expect(failed).toMatch(/wrong\.ts\(3,\d+\): error TS2322: Type .string. is not assignable to type .number./);
	});
});

/** What a merchant's server writes, as the README shows it. */
const USAGE = `import { createEdgeClient, createFlexitiClient } from "flexiti-edge/client";

const baseUrl = process.env.EDGE_URL ?? "";
const credential = process.env.MERCHANT_KEY ?? "";
const reference = process.env.REFERENCE ?? "";

const edge = createEdgeClient({ baseUrl, credential });
const { data: created, error } = await edge.POST("/v1/checkouts", { body: { reference, amount: 149.99 } });
if (error || !created) throw new Error(JSON.stringify(error));
const { data: readBack } = await edge.GET("/v1/checkouts/{checkout_id}", {
	params: { path: { checkout_id: created.checkout_id } },
});

// Flexiti's own API, through the edge (which holds the Flexiti credentials).
const flexiti = createFlexitiClient({ baseUrl: baseUrl + "/flexiti", token: () => credential });
const { data: i18n } = await flexiti.GET("/v2.5/client-id/{client_id}/i18n", {
	params: { path: { client_id: "flexitidemo" }, query: { key: "salutation" } },
});

console.log(JSON.stringify({
	created: { ...created, client_token: undefined },
	clientToken: created.client_token,
	readBack,
	salutations: Object.keys(i18n?.salutations ?? {}).length,
}));
`;
