/**
 * The demo store when Flexiti Edge is down: the store alone, its EDGE_URL a loopback port nothing listens
 * on (connections refused). Its pages that need the edge answered a bare 500 "Internal Server Error"
 * (found by an outside probe); they answer 502 with a page that says what happened and what to do.
 */
import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Binding, type LocalWorker, startLocalWorker } from "../../scripts/local-worker.ts";
import { freePorts } from "../support/free-ports.ts";

let worker: LocalWorker | undefined;
let store = "";
let edge = "";

beforeAll(async () => {
	const [refused] = await freePorts(1); // free, and nothing is started on it
	edge = `http://127.0.0.1:${refused}`;
	const secrets = parseEnv(readFileSync("functions/demo-store/.dev.vars.example", "utf8"));
	const bindings: Record<string, Binding> = {
		...Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, { type: "secret_text", value }])),
		EDGE_URL: { type: "plain_text", value: edge },
	} as Record<string, Binding>;
	({ worker, origin: store } = await startLocalWorker("functions/demo-store/wrangler.toml", bindings));
}, 120_000);
afterAll(() => worker?.dispose());

describe("the demo store with the edge down", () => {
	for (const [method, path] of [
		["GET", "/"],
		["POST", "/buy"],
	] as const) {
		it(`${method} ${path} answers 502 with a page that says what happened and what to do`, async () => {
			const answer = await fetch(`${store}${path}`, { method, redirect: "manual" });
			const page = await answer.text();
			expect(answer.status, page).toBe(502);
			expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
			expect(answer.headers.get("retry-after")).toBe("30");
			expect(answer.headers.get("content-security-policy")).toContain("default-src 'none'");
			expect(page).toMatch(/<html lang="en">/);
			expect(page).toContain("<title>Payments are unavailable");
			expect(page).toMatch(/<h1>Payments are unavailable right now<\/h1>/);
			expect(page).toMatch(/role="alert".*could not reach our payment service.*Nothing was charged/s);
			expect(page).toContain("try again in a minute");
			expect(page).toContain(`<code>${edge}</code>`);
			expect(page).not.toContain("Internal Server Error");
		});
	}
});
