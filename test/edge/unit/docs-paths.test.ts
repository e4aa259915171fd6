import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { DOCS_PATHS, isDocsPath } from "../../../functions/edge/routes/docs.ts";

// app.ts keeps its JSON-only security headers off the docs paths with a string test; Hono's router,
// which registers the docs routes from the same DOCS_PATHS, is the judge of what they match.
describe("isDocsPath", () => {
	const router = new TrieRouter<boolean>();
	for (const pattern of DOCS_PATHS) router.add("ALL", pattern, true);
	const routed = (path: string) => router.match("ALL", path)[0].length > 0;

	it("agrees with Hono's router on the docs paths and their near misses", () => {
		const paths = [
			"/docs",
			"/docs/",
			"/docs/flexiti",
			"/docs/a/b",
			"/docsx",
			"/Docs",
			"/openapi",
			"/openapi/",
			"/openapi/edge-api.yaml",
			"/openapix/edge-api.yaml",
			"/open",
			"/",
			"/healthz",
			"/flexiti/v2.5.1/client-id/flexitidemo/captures",
			"/v1/docs",
		];
		for (const path of paths) expect(isDocsPath(path), path).toBe(routed(path));
		expect(paths.filter(isDocsPath)).toEqual([
			"/docs",
			"/docs/",
			"/docs/flexiti",
			"/docs/a/b",
			"/openapi",
			"/openapi/",
			"/openapi/edge-api.yaml",
		]);
	});
});
