/**
 * The index of orders that a merchant can query without knowing references (GET /v1/orders): one D1
 * row per order. D1 rather than one index Durable Object: the rows are written by many orders at once
 * and read with filters, sorting and paging — SQL with an index does that, needs no single writer (each
 * order writes only its own row), and `wrangler dev` runs it locally with no account.
 *
 * The table is `migrations/0001_order_index.sql` (what `npm run setup` applies to a deployed database);
 * the edge also creates it on first use when it is missing (`ORDER_INDEX_SCHEMA`, the same statements,
 * a test keeps them equal), so a fresh local D1 — `npm start`, the tests — needs no step of its own.
 *
 * The order's Durable Object is the truth and the row follows it: `save` sets the order's alarm in the
 * same atomic write as the change whenever the row would read differently, and the alarm writes the
 * row (retrying with backoff while D1 fails) and then remembers what it wrote. A crash between the
 * order's write and the row's leaves the alarm set, so the row is repaired; it may lag, never miss.
 */
import type { components } from "../../../generated/edge-api.ts";
import { type FlexitiId, idOf } from "../../contract/lossless-json.ts";
import { sum } from "../../contract/money.ts";
import { decodePageCursor, encodePageCursor } from "../../contract/page-cursor.ts";
import { checkoutExpiresAt } from "./checkout.ts";
import { shortfallToActOn } from "./ledger.ts";
import type { OrderState } from "./order-state.ts";

/** The statements of migrations/0001_order_index.sql, in order (test/edge/unit/order-index.test.ts compares them). */
export const ORDER_INDEX_SCHEMA = [
	`CREATE TABLE IF NOT EXISTS order_index (
	client_id TEXT NOT NULL,
	reference TEXT NOT NULL,
	checkout_id TEXT NOT NULL,
	status TEXT NOT NULL,
	attention INTEGER NOT NULL,
	dead_letter INTEGER NOT NULL,
	reasons TEXT NOT NULL,
	amount REAL NOT NULL,
	authorization_id INTEGER,
	captured REAL NOT NULL,
	released REAL NOT NULL,
	refunded REAL NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (client_id, reference)
)`,
	"CREATE INDEX IF NOT EXISTS order_index_by_update ON order_index (client_id, updated_at DESC, reference)",
];

/** Databases whose table this isolate has made sure of. */
const ensured = new WeakSet<D1Database>();

/** Runs `query`; when the table is missing (a fresh local D1), creates it and runs `query` once more. */
async function withTable<T>(db: D1Database, query: () => Promise<T>): Promise<T> {
	try {
		return await query();
	} catch (error) {
		if (ensured.has(db) || !/no such table/i.test(String(error))) throw error;
		await db.batch(ORDER_INDEX_SCHEMA.map((statement) => db.prepare(statement)));
		ensured.add(db);
		return query();
	}
}

export type IndexStatus = "open" | "expired" | "authorized" | "captured" | "released";
export type IndexedOrder = components["schemas"]["IndexedOrder"];

/** What the order's row says (without its time): compared with the last one written to know when to write. */
export interface IndexRow {
	client_id: string;
	reference: string;
	checkout_id: string;
	status: IndexStatus;
	attention: boolean;
	dead_letter: boolean;
	reasons: string[];
	amount: number;
	authorization_id: FlexitiId | null;
	captured: number;
	released: number;
	refunded: number;
	created_at: number;
}

export function indexRow(state: OrderState, now: number): IndexRow {
	const { ledger } = state;
	const captured = sum(ledger.captures.map((c) => c.amount));
	const status: IndexStatus = ledger.authorization
		? captured > 0
			? "captured"
			: ledger.released > 0
				? "released"
				: "authorized"
		: checkoutExpiresAt(state) > now
			? "open"
			: "expired";
	const deadLetters = ledger.events.filter((e) => e.status === "dead_letter").length;
	const refused = ledger.events.filter((e) => e.status === "refused").length;
	const toActOn = ledger.events.filter((e) => e.status === "attention" || shortfallToActOn(ledger, e)).length;
	const failedDeliveries = (state.outbox ?? [])
		.flatMap((e) => e.deliveries)
		.filter((d) => d.status === "failed").length;
	const reasons = [
		...(deadLetters > 0 ? [`${deadLetters} order event(s) in the dead letter`] : []),
		...(refused > 0 ? [`${refused} order event(s) refused`] : []),
		...(toActOn > 0 ? [`${toActOn} order event(s) for the merchant to act on`] : []),
		...(failedDeliveries > 0 ? [`${failedDeliveries} event delivery(ies) failed`] : []),
		...(state.agingNotified && status === "authorized" ? ["authorized and not captured (aging)"] : []),
	];
	return {
		client_id: state.clientId,
		reference: state.reference,
		checkout_id: state.checkoutId,
		status,
		attention: reasons.length > 0,
		dead_letter: deadLetters > 0,
		reasons,
		amount: state.amount,
		authorization_id: ledger.authorization?.authorization_id ?? null,
		captured,
		released: ledger.released,
		refunded: sum(ledger.refunds.map((r) => r.amount)),
		created_at: state.createdAt,
	};
}

/** The row's identity for "has it changed since it was written". */
export function rowFingerprint(row: IndexRow): string {
	return JSON.stringify(row);
}

/** Writes the order's row; an older write (by `updated_at`) never replaces a newer one. */
export async function writeIndexRow(db: D1Database, row: IndexRow, updatedAt: number): Promise<void> {
	await withTable(db, () => upsert(db, row, updatedAt));
}

function upsert(db: D1Database, row: IndexRow, updatedAt: number) {
	return db
		.prepare(
			`INSERT INTO order_index (client_id, reference, checkout_id, status, attention, dead_letter, reasons, amount,
				authorization_id, captured, released, refunded, created_at, updated_at)
			VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
			ON CONFLICT (client_id, reference) DO UPDATE SET checkout_id = excluded.checkout_id, status = excluded.status,
				attention = excluded.attention, dead_letter = excluded.dead_letter, reasons = excluded.reasons,
				amount = excluded.amount, authorization_id = excluded.authorization_id, captured = excluded.captured,
				released = excluded.released, refunded = excluded.refunded, updated_at = excluded.updated_at
			WHERE excluded.updated_at >= order_index.updated_at`,
		)
		.bind(
			row.client_id,
			row.reference,
			row.checkout_id,
			row.status,
			row.attention ? 1 : 0,
			row.dead_letter ? 1 : 0,
			JSON.stringify(row.reasons),
			row.amount,
			// Its digits past 2^53 (SQLite's INTEGER affinity stores them as the 64-bit integer they spell).
			typeof row.authorization_id === "bigint" ? row.authorization_id.toString() : row.authorization_id,
			row.captured,
			row.released,
			row.refunded,
			row.created_at,
			updatedAt,
		)
		.run();
}

export type OrderFilter = "attention" | "dead_letter" | IndexStatus;

export interface IndexQuery {
	clientId: string;
	status?: OrderFilter;
	/** Only rows changed at or after this time (ms). */
	since?: number;
	cursor?: IndexCursor;
	limit: number;
}

/** Where the previous page ended: newest first, then by reference. */
export interface IndexCursor {
	updatedAt: number;
	reference: string;
}

/** The cursor a previous page gave (`next_cursor`), or undefined when it is not one. */
export function decodeCursor(text: string): IndexCursor | undefined {
	const keys = decodePageCursor(text, ["number", "string"]);
	return keys && { updatedAt: keys[0], reference: keys[1] };
}

interface StoredRow {
	client_id: string;
	reference: string;
	checkout_id: string;
	status: IndexStatus;
	attention: number;
	dead_letter: number;
	reasons: string;
	amount: number;
	authorization_id: number | null;
	/** The id's digits: D1 reads an INTEGER as a JavaScript number, which rounds past 2^53. */
	authorization_digits: string | null;
	captured: number;
	released: number;
	refunded: number;
	created_at: number;
	updated_at: number;
}

/** One page of the client's orders, newest change first, and the cursor of the next page if there is one. */
export async function queryIndex(
	db: D1Database,
	query: IndexQuery,
): Promise<{ orders: IndexedOrder[]; next_cursor?: string }> {
	const where = ["client_id = ?1"];
	const params: (string | number)[] = [query.clientId];
	const bind = (value: string | number) => {
		params.push(value);
		return `?${params.length}`;
	};
	if (query.status === "attention") where.push("attention = 1");
	else if (query.status === "dead_letter") where.push("dead_letter = 1");
	else if (query.status) where.push(`status = ${bind(query.status)}`);
	if (query.since !== undefined) where.push(`updated_at >= ${bind(query.since)}`);
	if (query.cursor) {
		const at = bind(query.cursor.updatedAt);
		where.push(`(updated_at < ${at} OR (updated_at = ${at} AND reference > ${bind(query.cursor.reference)}))`);
	}
	const limit = bind(query.limit + 1);
	const sql = `SELECT *, CAST(authorization_id AS TEXT) AS authorization_digits FROM order_index WHERE ${where.join(" AND ")} ORDER BY updated_at DESC, reference LIMIT ${limit}`;
	const { results } = await withTable(db, () =>
		db
			.prepare(sql)
			.bind(...params)
			.all<StoredRow>(),
	);
	const page = results.slice(0, query.limit);
	const last = page.at(-1);
	return {
		orders: page.map((row) => ({
			reference: row.reference,
			client_id: row.client_id,
			checkout_id: row.checkout_id,
			status: row.status,
			attention: row.attention === 1,
			dead_letter: row.dead_letter === 1,
			reasons: JSON.parse(row.reasons) as string[],
			amount: row.amount,
			...(row.authorization_digits !== null ? { authorization_id: idOf(row.authorization_digits) } : {}),
			captured: row.captured,
			released: row.released,
			refunded: row.refunded,
			created_at: new Date(row.created_at).toISOString(),
			updated_at: new Date(row.updated_at).toISOString(),
		})),
		...(results.length > query.limit && last
			? { next_cursor: encodePageCursor([last.updated_at, last.reference]) }
			: {}),
	};
}
