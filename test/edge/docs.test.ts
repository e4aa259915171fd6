import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createEdgeApp } from "../../functions/edge/app.ts";
import { edgeOperations } from "../../generated/edge-operations.ts";
import { flexitiOperations } from "../../generated/flexiti-operations.ts";

const { createToken: _notServed, ...servedFlexitiOperations } = flexitiOperations;

// The API reference pages and specs, served from the static assets that scripts/build-assets.ts
// builds from spec/ (vitest.config.ts builds them before the tests). What a browser sees of them is
// in test/browser/docs.test.ts.
describe("API reference pages", () => {
	for (const [path, title] of [
		["/docs", "Flexiti Edge API"],
		["/docs/flexiti", "Flexiti POS API, through Flexiti Edge"],
	] as const) {
		it(`${path} is a self-contained page that loads nothing from elsewhere`, async () => {
			const response = await exports.default.fetch(`http://edge.test${path}`);
			expect(response.status).toBe(200);
			expect(response.headers.get("content-type")).toMatch(/^text\/html/);
			const html = await response.text();
			expect(html).toContain(`<title>${title}</title>`);
			// No script or stylesheet from a CDN: the page works offline.
			expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/i);
			const csp = response.headers.get("content-security-policy") ?? "";
			expect(csp).toContain("default-src 'none'");
			expect(csp).toContain("frame-ancestors 'none'");
			expect(csp).not.toMatch(/https?:/);
			expect(response.headers.get("x-frame-options")).toBe("DENY");
		});
	}

	it("serves the specs as YAML and JSON, with the edge as their server", async () => {
		for (const [spec, operations, server] of [
			["edge-api", edgeOperations, "/"],
			// The /flexiti surface: every operation but Flexiti's token endpoint, which the edge does not serve.
			["flexiti-pos-api", servedFlexitiOperations, "/flexiti"],
		] as const) {
			const json = await exports.default.fetch(`http://edge.test/openapi/${spec}.json`);
			expect(json.status).toBe(200);
			const document = (await json.json()) as { servers: { url: string }[]; paths: Record<string, object> };
			expect(document.servers.map((entry) => entry.url)).toEqual([server]);
			const ids = Object.values(document.paths).flatMap((item) =>
				Object.values(item).map((operation: { operationId?: string }) => operation.operationId),
			);
			expect(ids.sort()).toEqual(Object.keys(operations).sort());
			const yaml = await exports.default.fetch(`http://edge.test/openapi/${spec}.yaml`);
			expect(yaml.status).toBe(200);
			expect(await yaml.text()).toMatch(/^openapi: 3\.1\.0$/m);
		}
	});

	it('API_DOCS = "off" withholds the pages and specs (404, as any unknown path)', async () => {
		const app = createEdgeApp();
		for (const path of ["/docs", "/docs/flexiti", "/openapi/edge-api.json", "/openapi/flexiti-pos-api.yaml"]) {
			const response = await app.request(path, {}, { ...env, API_DOCS: "off" });
			expect(response.status, path).toBe(404);
			expect(await response.json()).toMatchObject({ error: "not_found" });
		}
	});

	it("a malformed API_DOCS is a 503 naming the setting", async () => {
		const response = await createEdgeApp().request("/docs", {}, { ...env, API_DOCS: "maybe" });
		expect(response.status).toBe(503);
		expect(await response.json()).toMatchObject({
			error: "edge_misconfigured",
			message: expect.stringContaining("API_DOCS"),
		});
	});

	it("unknown pages under /docs are 404", async () => {
		const response = await exports.default.fetch("http://edge.test/docs/nothing-here");
		expect(response.status).toBe(404);
	});
});
