import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { flexitiOperations } from "../generated/flexiti-operations.ts";

describe("GET /healthz", () => {
	it("answers from the edge worker running in workerd", async () => {
		const response = await exports.default.fetch("http://edge.test/healthz");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			status: "ok",
			service: "flexiti-edge",
			operations: Object.keys(flexitiOperations).length,
		});
	});

	it("answers 404 for an unknown route", async () => {
		const response = await exports.default.fetch("http://edge.test/nowhere");
		expect(response.status).toBe(404);
	});
});
