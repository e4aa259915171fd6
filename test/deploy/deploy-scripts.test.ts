/**
 * `npm run setup` and `npm run deploy` against a Wrangler with no Cloudflare account, in the ways
 * that can be: the dry runs (the commands they would run, the bundle Wrangler would upload, for every
 * environment of wrangler.toml — this is CI's `wrangler deploy --dry-run` per environment) and the
 * refusals. wrangler.toml must be left as it was.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { environments, KV_ID_PLACEHOLDER, tokensKvId, withTokensKvId } from "../../scripts/environments.ts";

const toml = readFileSync("wrangler.toml", "utf8");
const FLEXITI = { FLEXITI_CLIENT_ID: "merchant-test", FLEXITI_CLIENT_SECRET: "s3cret-flexiti-value-never-printed" };

function run(script: string, args: string[], env: Record<string, string> = {}) {
	const result = spawnSync(process.execPath, [`scripts/${script}.ts`, ...args], {
		encoding: "utf8",
		// No account: any call that would reach Cloudflare fails instead of using someone's login.
		env: { ...process.env, CLOUDFLARE_API_TOKEN: "", FLEXITI_CLIENT_ID: "", FLEXITI_CLIENT_SECRET: "", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("wrangler.toml environments", () => {
	/** The lines of wrangler.toml under the top level (env "") or under one environment's tables. */
	function section(env: string): string {
		let current = "";
		const lines: string[] = [];
		for (const line of toml.split("\n")) {
			const header = /^\[\[?([\w.]+)\]\]?/.exec(line)?.[1];
			if (header) current = header.startsWith("env.") ? (header.split(".")[1] ?? "") : "";
			if (current === env)
				lines.push(header?.startsWith("env.") ? line.replace(`env.${env}.`, "").replace(`env.${env}`, "") : line);
		}
		return lines.join("\n");
	}
	/** `kind:name` of every binding, and `vars:NAME` of every var, in a section. */
	function declared(text: string): string[] {
		const bindings = [...text.matchAll(/^\[\[([\w.]+)\]\]\s*\n(?:binding|name) = "(\w+)"/gm)]
			.filter(([, kind]) => kind !== "migrations")
			.map(([, kind, name]) => `${kind}:${name}`);
		const varsText = /^\[vars\]\s*\n([\s\S]*?)(?=^\[)/m.exec(`${text}\n[`)?.[1] ?? "";
		const vars = [...varsText.matchAll(/^(\w+) = /gm)].map(([, name]) => `vars:${name}`);
		return [...bindings, ...vars].sort();
	}

	it("declares staging (Flexiti MI) and production, each with every binding and var of the default", () => {
		expect(environments(toml)).toEqual(expect.arrayContaining(["staging", "production"]));
		expect(section("staging")).toContain('FLEXITI_BASE_URL = "https://posapi-mi.flexiti.fi/flexiti/pos-api"');
		expect(section("production")).toContain('FLEXITI_BASE_URL = "https://posapi.flexiti.fi/flexiti/pos-api"');
		const topLevel = declared(section(""));
		expect(topLevel).toEqual(
			expect.arrayContaining(["kv_namespaces:TOKENS", "durable_objects.bindings:ORDERS", "vars:API_DOCS"]),
		);
		// Wrangler does not inherit bindings or vars into an environment: each one repeats them all.
		for (const env of ["staging", "production"]) expect(declared(section(env)), env).toEqual(topLevel);
		// Nor triggers: the daily reconciliation's Cron Trigger is in each one too.
		const crons = (text: string) => /^\[triggers\]\s*\ncrons = (.*)$/m.exec(text)?.[1];
		expect(crons(section(""))).toBe('["30 6 * * *"]');
		for (const env of ["staging", "production"]) expect(crons(section(env)), env).toBe(crons(section("")));
	});
});

describe("npm run deploy", () => {
	for (const env of ["staging", "production"]) {
		it(`--env ${env} --dry-run bundles the environment under the size budget and uploads nothing`, () => {
			const { code, output } = run("deploy", ["--env", env, "--dry-run", "--skip-gates"]);
			expect(code, output).toBe(0);
			expect(output).toMatch(/KiB gzipped \(budget 100 KiB\)/);
			expect(output).toContain(`Dry run: ${env} would deploy; nothing was uploaded.`);
			expect(readFileSync("wrangler.toml", "utf8")).toBe(toml);
		}, 120_000);
	}

	it("refuses without an environment, listing them", () => {
		const { code, output } = run("deploy", []);
		expect(code).toBe(1);
		expect(output).toContain("Which environment? Run: npm run deploy -- --env <");
		expect(output).toContain("staging");
	});

	it("refuses a real deploy before setup created the KV namespace", () => {
		expect(tokensKvId("staging", toml)).toBe(KV_ID_PLACEHOLDER);
		const { code, output } = run("deploy", ["--env", "staging", "--skip-gates"]);
		expect(code).toBe(1);
		expect(output).toContain("run npm run setup -- --env staging first");
	}, 120_000);
});

describe("npm run setup", () => {
	it("refuses to run without the Flexiti client secret", () => {
		const { code, output } = run("setup", ["--env", "staging", "--dry-run"], { FLEXITI_CLIENT_ID: "merchant-test" });
		expect(code).toBe(1);
		expect(output).toContain("Setup needs your Flexiti client id and secret");
		expect(output).toContain("FLEXITI_CLIENT_SECRET");
	});

	it("--dry-run shows the commands it would run, never a secret, and changes nothing", () => {
		const { code, output } = run("setup", ["--env", "staging", "--dry-run"], FLEXITI);
		expect(code, output).toBe(0);
		expect(output).toContain("wrangler kv namespace create flexiti-edge-staging-tokens");
		expect(output).toContain("wrangler secret bulk --env staging");
		expect(output).toContain("FLEXITI_CLIENTS, TOKEN_ENCRYPTION_KEY, MERCHANT_API_KEY_HASHES");
		expect(output).not.toContain(FLEXITI.FLEXITI_CLIENT_SECRET);
		expect(output).not.toMatch(/fe_staging_/); // a dry run makes no merchant key
		expect(readFileSync("wrangler.toml", "utf8")).toBe(toml);
	});

	it("writes the new namespace id into its own environment only", () => {
		const written = withTokensKvId("production", "0123456789abcdef0123456789abcdef", toml);
		expect(tokensKvId("production", written)).toBe("0123456789abcdef0123456789abcdef");
		expect(tokensKvId("staging", written)).toBe(KV_ID_PLACEHOLDER);
		// Run twice: the id is there, so nothing more to write.
		expect(withTokensKvId("production", "0123456789abcdef0123456789abcdef", written)).toBe(written);
	});
});
