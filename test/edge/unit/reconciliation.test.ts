/** Reconciliation's pure comparison, and its tables: the migration file and what the edge creates on a fresh D1. */
import { describe, expect, it } from "vitest";
import { orderWithoutCheckout, reconciliationView } from "../../../functions/edge/orders/order-state.ts";
import { compareDay, type DayRecord, unlisted } from "../../../functions/edge/reconciliation/compare.ts";
import { RECONCILIATION_SCHEMA } from "../../../functions/edge/reconciliation/reconciliation-store.ts";
import migration from "../../../migrations/0002_reconciliation.sql?raw";

const statements = (sql: string) =>
	sql
		.replace(/--[^\n]*/g, "")
		.split(";")
		.map((s) => s.replace(/\s+/g, " ").trim())
		.filter(Boolean);

describe("migrations/0002_reconciliation.sql", () => {
	it("is what the edge creates on a fresh database", () => {
		expect(statements(migration)).toEqual(RECONCILIATION_SCHEMA.map((s) => s.replace(/\s+/g, " ").trim()));
	});
});

const DAY = "2026-12-01";
const at = (time: string) => `${DAY}T${time}Z`;

function day(overrides: Partial<DayRecord>): DayRecord {
	return {
		clientId: "flexitidemo",
		day: DAY,
		captures: [],
		authorizations: [],
		ledgers: [],
		capturesElsewhere: new Map(),
		authorizationsElsewhere: new Map(),
		...overrides,
	};
}

const ledger = {
	reference: "WEB-1",
	authorization: { authorization_id: 7, amount: 100 },
	authorizedAt: at("10:00:00.000"),
	captures: [{ capture_id: 70, amount: 40, date: at("12:00:00.000") }],
};

describe("compareDay", () => {
	it("agreeing records: nothing", () => {
		expect(
			compareDay(
				day({
					captures: [{ capture_id: 70, authorization_id: 7, amount: 40, date: at("12:00:01") }],
					authorizations: [{ authorization_id: 7, amount: 100, reference: "WEB-1" }],
					ledgers: [ledger],
				}),
			),
		).toEqual([]);
	});

	it("a ledger capture Flexiti dates the next day is found by asking, not reported", () => {
		const record = day({ authorizations: [{ authorization_id: 7, amount: 100 }], ledgers: [ledger] });
		expect(unlisted(record)).toEqual({ captures: [{ capture_id: 70, authorization_id: 7 }], authorizations: [] });
		const elsewhere = { capture_id: 70, authorization_id: 7, amount: 40, date: "2026-12-02T00:00:01Z" };
		expect(compareDay({ ...record, capturesElsewhere: new Map([[70, elsewhere]]) })).toEqual([]);
		expect(compareDay({ ...record, capturesElsewhere: new Map([[70, null]]) }).map((m) => m.kind)).toEqual([
			"missing_at_flexiti",
		]);
	});

	it("what Flexiti made at or after `settledBefore` and a ledger lacks is left to a later run; an unreadable time is not", () => {
		const outside = (date: string) =>
			day({
				captures: [
					{ capture_id: 70, authorization_id: 7, amount: 40, date: at("12:00:01") },
					{ capture_id: 71, authorization_id: 7, amount: 5, date },
				],
				authorizations: [{ authorization_id: 8, amount: 9, reference: "WEB-1", creation_date: date }],
				ledgers: [ledger],
			});
		const settledBefore = Date.parse(at("12:30:00"));
		expect(compareDay(outside(at("12:30:00")), settledBefore)).toEqual([]);
		const kinds = (date: string) => compareDay(outside(date), settledBefore).map((m) => `${m.subject} ${m.kind}`);
		expect(kinds(at("12:29:59"))).toEqual(["capture missing_from_ledger", "authorization missing_from_ledger"]);
		expect(kinds("not a time")).toEqual(["capture missing_from_ledger", "authorization missing_from_ledger"]);
	});

	it("amounts are compared in cents (0.1 + 0.2 is 0.3)", () => {
		const record = day({
			captures: [{ capture_id: 70, authorization_id: 7, amount: 0.3, date: at("12:00:01") }],
			authorizations: [{ authorization_id: 7, amount: 100 }],
			ledgers: [{ ...ledger, captures: [{ capture_id: 70, amount: 0.1 + 0.2, date: at("12:00:00") }] }],
		});
		expect(compareDay(record)).toEqual([]);
	});

	it("a Flexiti record no ledger or reference of the edge's links to (an in-store sale) is not reported", () => {
		const record = day({
			captures: [{ capture_id: 90, authorization_id: 9, amount: 5, date: at("09:00:00") }],
			authorizations: [{ authorization_id: 9, amount: 5, reference: "STORE-9" }],
		});
		expect(compareDay(record)).toEqual([]);
	});

	it("the same difference has the same id in every run, and is reported once", () => {
		const record = day({
			captures: [
				{ capture_id: 71, authorization_id: 7, amount: 10, date: at("13:00:00") },
				{ capture_id: 70, authorization_id: 7, amount: 40, date: at("12:00:00") },
			],
			authorizations: [{ authorization_id: 7, amount: 100 }],
			ledgers: [ledger, ledger],
		});
		const first = compareDay(record);
		expect(first).toHaveLength(1);
		expect(first[0]).toMatchObject({
			kind: "missing_from_ledger",
			subject: "capture",
			capture_id: 71,
			reference: "WEB-1",
		});
		expect(compareDay(record)).toEqual(first);
	});
});

describe("reconciliationView (what an order's Durable Object hands reconciliation)", () => {
	it("is the ledger compareDay reads: the authorization, when it came, and the captures without their events", () => {
		const state = orderWithoutCheckout("id", "flexitidemo", "WEB-1", 100);
		state.ledger.authorization = {
			authorization_id: 7,
			amount: 100,
			status: "Approved",
			account_number: 10000000000001,
		};
		state.authorizedAt = Date.parse(at("10:00:00.000"));
		state.ledger.captures.push({ capture_id: 70, amount: 40, date: at("12:00:00.000"), event_id: "evt_1" });
		const view = reconciliationView(state);
		expect(view).toEqual(ledger);
		const record = day({
			captures: [{ capture_id: 70, authorization_id: 7, amount: 40, date: at("12:00:01") }],
			authorizations: [{ authorization_id: 7, amount: 100, reference: "WEB-1" }],
			ledgers: [view],
		});
		expect(compareDay(record)).toEqual([]);
	});

	it("an order not yet authorized has no authorization and no time for it", () => {
		const view = reconciliationView(orderWithoutCheckout("id", "flexitidemo", "WEB-2", 100));
		expect(view).toEqual({ reference: "WEB-2", captures: [] });
	});
});
