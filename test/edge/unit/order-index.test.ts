/** The order index's table: the migration file and the statements the edge runs on a fresh D1 are the same. */
import { describe, expect, it } from "vitest";
import { ORDER_INDEX_SCHEMA } from "../../../functions/edge/orders/order-index.ts";
import migration from "../../../migrations/0001_order_index.sql?raw";

/** The statements of a SQL file: comments dropped, whitespace folded, split at semicolons. */
const statements = (sql: string) =>
	sql
		.replace(/--[^\n]*/g, "")
		.split(";")
		.map((s) => s.replace(/\s+/g, " ").trim())
		.filter(Boolean);

describe("migrations/0001_order_index.sql", () => {
	it("is what the edge creates on a fresh database", () => {
		expect(statements(migration)).toEqual(ORDER_INDEX_SCHEMA.map((s) => s.replace(/\s+/g, " ").trim()));
	});
});
