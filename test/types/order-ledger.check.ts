// Type-level test, compiled by `tsc` in `npm run check`: the order ledger's generated type has no
// optional fields where the edge always sends one (issue 17 item 5), so a client reads them without
// checks, and an undeclared property is a type error.
import type { components } from "../../generated/edge-api.ts";

type OrderLedger = components["schemas"]["OrderLedger"];
type Capture = OrderLedger["captures"][number];
type Refund = OrderLedger["refunds"][number];
type LedgerEvent = OrderLedger["events"][number];
type Authorization = NonNullable<OrderLedger["authorization"]>;

export const captureFields = (c: Capture): [number, number, string, "order_event" | "flexiti"] => [
	c.capture_id,
	c.amount,
	c.date,
	c.via,
];
export const refundFields = (r: Refund): [number, number, "return" | "refund", string] => [
	r.capture_id,
	r.amount,
	r.kind,
	r.date,
];
export const eventFields = (e: LedgerEvent): [string, string, number, string, number, string] => [
	e.id,
	e.topic,
	e.attempts,
	e.received_at,
	e.calls.length,
	e.history[0]?.at ?? "",
];
export const callFields = (e: LedgerEvent): string[] =>
	e.calls.map((c) => `${c.operation} ${c.amount} ${c.status} ${c.idempotency_key}`);
export const authorizationFields = (a: Authorization): [number | bigint, number, string, number | undefined] => [
	a.authorization_id,
	a.amount,
	a.status,
	a.account_number,
];

// @ts-expect-error the ledger declares every property it has; there is no `total`
export const undeclared: Capture = { capture_id: 1, amount: 1, date: "2026-12-02T00:00:00Z", via: "flexiti", total: 1 };
