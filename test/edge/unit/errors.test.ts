/**
 * The edge's one error type and its one renderer (core/errors.ts), on a bare Hono app: the status
 * comes from the spec's `x-status-codes` unless the spec allows another and the thrower chose it, the
 * answer is Flexiti's envelope with the path called, headers travel with it, and the request log
 * names the code. Through the edge, every route's refusals are tested where the route is.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../functions/edge/core/config.ts";
import type { EdgeEnv } from "../../../functions/edge/core/context.ts";
import { EdgeError, type EdgeErrorCode, renderEdgeError, wrongInputs } from "../../../functions/edge/core/errors.ts";
import type { RequestLog } from "../../../functions/edge/core/request-log.ts";
import { edgeErrorStatuses } from "../../../generated/edge-error-codes.ts";

/** A bare app that throws what it is given and renders it as the edge's app does. */
async function thrown(error: Error, path = "/v1/somewhere") {
	const log: RequestLog = {};
	const app = new Hono<EdgeEnv>();
	app.use(async (c, next) => {
		c.set("log", log);
		await next();
	});
	app.all("*", () => {
		throw error;
	});
	app.onError((caught, c) => {
		if (caught instanceof EdgeError) return renderEdgeError(caught, c);
		throw caught;
	});
	const response = await app.request(path);
	return { response, body: await response.json(), log };
}

describe("EdgeError", () => {
	it("is answered with the first status the spec gives its code", () => {
		for (const code of Object.keys(edgeErrorStatuses) as EdgeErrorCode[]) {
			expect(new EdgeError(code, "m").status).toBe(edgeErrorStatuses[code][0]);
		}
	});

	it("takes another status only where the spec allows it (wrong_inputs on a webhook: 400)", () => {
		expect(new EdgeError("wrong_inputs", "m", { status: 400 }).status).toBe(400);
		// Compiled, never run: what the type-check (npm run check) refuses.
		const refusedByTheCompiler = () => [
			// @ts-expect-error 404 is not a status the spec gives wrong_inputs
			new EdgeError("wrong_inputs", "m", { status: 404 }),
			// @ts-expect-error a code the spec does not list
			new EdgeError("made_up", "m"),
		];
		expect(refusedByTheCompiler).toBeTypeOf("function");
	});
});

describe("renderEdgeError", () => {
	it("answers Flexiti's envelope with the path called, and the log names the code", async () => {
		const { response, body, log } = await thrown(new EdgeError("not_found", "No such checkout"), "/v1/checkouts/x?y=1");
		expect(response.status).toBe(404);
		expect(response.headers.get("content-type")).toMatch(/^application\/json/);
		expect(body).toEqual({ url: "/v1/checkouts/x", message: "No such checkout", error: "not_found" });
		expect(log.error).toBe("not_found");
	});

	it("carries the error's headers (rate_limited's Retry-After)", async () => {
		const limited = new EdgeError("rate_limited", "Too many", { headers: { "retry-after": "60" } });
		const { response } = await thrown(limited);
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("60");
	});

	it("lists field errors, each value cut to 100 characters", async () => {
		const { response, body } = await thrown(
			wrongInputs([
				{ param: "amount", msg: "must be a number", value: "x" },
				{ param: "reference", msg: "too long", value: "r".repeat(500) },
			]),
		);
		expect(response.status).toBe(409);
		expect(body).toEqual({
			url: "/v1/somewhere",
			message: "Some inputs are wrong or missing!",
			error: "wrong_inputs",
			field_errors: [
				{ param: "amount", msg: "must be a number", value: "x" },
				{ param: "reference", msg: "too long", value: `${"r".repeat(100)}…` },
			],
		});
	});

	it("answers a setting that is missing or malformed as 503 edge_misconfigured, naming the setting", async () => {
		const { response, body } = await thrown(new ConfigError("API_DOCS", 'must be "on" or "off"'));
		expect(response.status).toBe(503);
		expect(body).toMatchObject({ error: "edge_misconfigured", message: 'Setting API_DOCS must be "on" or "off"' });
	});
});
