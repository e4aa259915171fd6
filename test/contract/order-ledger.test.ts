/**
 * Issue 17 item 5: `OrderLedger` is exact, all the way down. Every object in it (the authorization,
 * captures, refunds, events with their calls and history, merchant events with their deliveries)
 * declares `additionalProperties: false` and requires what it always has, so a generated client
 * types no field optional that is always there, and the conformance check (test/support/conformance.ts,
 * Ajv and the edge's own validator) fails an edge answer that carries a property the spec does not
 * declare. The edge's real ledgers go through that check in test/edge and test/events.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { specAjv } from "../support/spec-ajv.ts";

type Schema = Record<string, unknown>;
const document = parse(readFileSync(resolve(import.meta.dirname, "../../spec/edge-api.yaml"), "utf8")) as Schema;

function follow(schema: Schema): Schema {
	const ref = schema.$ref;
	if (typeof ref !== "string") return schema;
	let node: unknown = document;
	for (const segment of ref.replace(/^#\//, "").split("/")) node = (node as Schema)[segment];
	return follow(node as Schema);
}

/** Every object schema reachable from the ledger, by where it is (`OrderLedger.captures[]`, …). */
function objectsOf(schema: Schema, at: string, found = new Map<string, Schema>()): Map<string, Schema> {
	const resolved = follow(schema);
	if (resolved.properties) {
		found.set(at, resolved);
		for (const [name, property] of Object.entries(resolved.properties as Record<string, Schema>))
			objectsOf(property, `${at}.${name}`, found);
	}
	if (resolved.items) objectsOf(resolved.items as Schema, `${at}[]`, found);
	for (const key of ["oneOf", "anyOf", "allOf"] as const)
		for (const branch of (resolved[key] as Schema[] | undefined) ?? []) objectsOf(branch, at, found);
	return found;
}

const ledger = objectsOf({ $ref: "#/components/schemas/OrderLedger" }, "OrderLedger");

it("declares every object of the ledger closed (additionalProperties: false)", () => {
	const open = [...ledger].filter(([, schema]) => schema.additionalProperties !== false).map(([at]) => at);
	expect(open).toEqual([]);
});

it("requires fields in every object of the ledger, the array items among them", () => {
	const none = [...ledger]
		.filter(([, schema]) => !Array.isArray(schema.required) || schema.required.length === 0)
		.map(([at]) => at);
	expect(none).toEqual([]);
	expect([...ledger.keys()]).toEqual(
		expect.arrayContaining([
			"OrderLedger.authorization",
			"OrderLedger.captures[]",
			"OrderLedger.refunds[]",
			"OrderLedger.events[].calls[]",
			"OrderLedger.events[].history[]",
			"OrderLedger.merchant_events[]",
			"OrderLedger.merchant_events[].deliveries[]",
		]),
	);
});

it("so a validator such as Ajv refuses an undeclared property anywhere in a ledger", () => {
	const validate = specAjv("edge-api", document).at("#/components/schemas/OrderLedger");
	const answer = {
		reference: "WEB-1",
		client_id: "flexitidemo",
		authorization: null,
		captured: 0,
		released: 0,
		refunded: 0,
		captures: [],
		refunds: [],
		events: [],
		merchant_events: [
			{
				id: "msg_1",
				sequence: 1,
				type: "checkout.authorized",
				created_at: "2026-12-02T10:00:00Z",
				deliveries: [{ id: "d1", endpoint: "https://merchant.example/events", status: "delivered", attempts: 1 }],
			},
		],
	};
	expect(validate(answer)).toBe(true);
	const delivery = answer.merchant_events[0]?.deliveries[0];
	expect(validate({ ...answer, merchant_events: [{ ...answer.merchant_events[0], secret: "x" }] })).toBe(false);
	expect(
		validate({
			...answer,
			merchant_events: [{ ...answer.merchant_events[0], deliveries: [{ ...delivery, response_body: "x" }] }],
		}),
	).toBe(false);
});
