/**
 * Reconciliation's rows in D1 (the `ORDER_INDEX` database, beside the order index): one row per
 * difference and one per client and day's last completed run, read by `GET /v1/reconciliations`.
 * The day's reconciliation Durable Object is their truth and writes them; every write is idempotent
 * (a difference's row is inserted once by its id, a run's row only ever moves forward), so a write
 * repeated after a crash or by a second run changes nothing.
 *
 * The tables are `migrations/0002_reconciliation.sql`; like the order index, the edge creates them
 * on first use when missing (`RECONCILIATION_SCHEMA`, the same statements, a test keeps them equal).
 */
import type { components } from "../../../generated/edge-api.ts";
import { decodePageCursor, encodePageCursor } from "../../contract/page-cursor.ts";
import type { Mismatch, MismatchKind } from "./compare.ts";

/** The statements of migrations/0002_reconciliation.sql, in order (test/edge/unit/reconciliation.test.ts compares them). */
export const RECONCILIATION_SCHEMA = [
	`CREATE TABLE IF NOT EXISTS reconciliation_mismatch (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL,
	day TEXT NOT NULL,
	kind TEXT NOT NULL,
	subject TEXT NOT NULL,
	reference TEXT,
	authorization_id INTEGER,
	capture_id INTEGER,
	flexiti_amount REAL,
	ledger_amount REAL,
	detail TEXT NOT NULL,
	found_at INTEGER NOT NULL
)`,
	"CREATE INDEX IF NOT EXISTS reconciliation_mismatch_by_day ON reconciliation_mismatch (client_id, day DESC, id)",
	`CREATE TABLE IF NOT EXISTS reconciliation_run (
	client_id TEXT NOT NULL,
	day TEXT NOT NULL,
	finished_at INTEGER NOT NULL,
	mismatches INTEGER NOT NULL,
	PRIMARY KEY (client_id, day)
)`,
];

/** Databases whose tables this isolate has made sure of. */
const ensured = new WeakSet<D1Database>();

/** Runs `query`; when a table is missing (a fresh local D1), creates them and runs `query` once more. */
async function withTables<T>(db: D1Database, query: () => Promise<T>): Promise<T> {
	try {
		return await query();
	} catch (error) {
		if (ensured.has(db) || !/no such table/i.test(String(error))) throw error;
		await db.batch(RECONCILIATION_SCHEMA.map((statement) => db.prepare(statement)));
		ensured.add(db);
		return query();
	}
}

export type StoredMismatch = Mismatch & { found_at: number };
export type MismatchView = components["schemas"]["ReconciliationMismatch"];

export interface RunRow {
	client_id: string;
	day: string;
	finished_at: number;
	mismatches: number;
}

/** The differences and the run, in one batch: rows already there stay as they are. */
export async function writeDay(db: D1Database, mismatches: readonly StoredMismatch[], run: RunRow): Promise<void> {
	const insert = db.prepare(
		`INSERT INTO reconciliation_mismatch (id, client_id, day, kind, subject, reference, authorization_id,
			capture_id, flexiti_amount, ledger_amount, detail, found_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (id) DO NOTHING`,
	);
	const runRow = db
		.prepare(
			`INSERT INTO reconciliation_run (client_id, day, finished_at, mismatches) VALUES (?1, ?2, ?3, ?4)
			ON CONFLICT (client_id, day) DO UPDATE SET finished_at = excluded.finished_at, mismatches = excluded.mismatches
			WHERE excluded.finished_at >= reconciliation_run.finished_at`,
		)
		.bind(run.client_id, run.day, run.finished_at, run.mismatches);
	await withTables(db, () =>
		db.batch([
			...mismatches.map((m) =>
				insert.bind(
					m.id,
					m.client_id,
					m.day,
					m.kind,
					m.subject,
					m.reference ?? null,
					m.authorization_id ?? null,
					m.capture_id ?? null,
					m.flexiti_amount ?? null,
					m.ledger_amount ?? null,
					m.detail,
					m.found_at,
				),
			),
			runRow,
		]),
	);
}

/** The references of the client's orders whose index row changed at or after `since` (ms), and have an authorization. */
export async function referencesChangedSince(db: D1Database, clientId: string, since: number): Promise<string[]> {
	const query = () =>
		db
			.prepare(
				"SELECT reference FROM order_index WHERE client_id = ?1 AND updated_at >= ?2 AND authorization_id IS NOT NULL",
			)
			.bind(clientId, since)
			.all<{ reference: string }>();
	try {
		return (await query()).results.map((row) => row.reference);
	} catch (error) {
		// A fresh database whose order index was never written has no orders to compare.
		if (/no such table/i.test(String(error))) return [];
		throw error;
	}
}

export interface MismatchQuery {
	clientId: string;
	day?: string;
	since?: string;
	kind?: MismatchKind;
	/** Where the previous page ended: its last row's day and id (the listing's order). */
	cursor?: MismatchCursor;
	limit: number;
}

export interface MismatchCursor {
	day: string;
	id: string;
}

/** The cursor a previous page gave (`next_cursor`), or undefined when it is not one. */
export function decodeMismatchCursor(text: string): MismatchCursor | undefined {
	const keys = decodePageCursor(text, ["string", "string"]);
	return keys && { day: keys[0], id: keys[1] };
}

interface MismatchRow {
	id: string;
	client_id: string;
	day: string;
	kind: MismatchKind;
	subject: "capture" | "authorization";
	reference: string | null;
	authorization_id: number | null;
	capture_id: number | null;
	flexiti_amount: number | null;
	ledger_amount: number | null;
	detail: string;
	found_at: number;
}

/** The client's differences, newest day first, and the runs of those days. */
export async function queryDays(
	db: D1Database,
	query: MismatchQuery,
): Promise<components["schemas"]["ReconciliationPage"]> {
	const where = ["client_id = ?1"];
	const params: (string | number)[] = [query.clientId];
	const bind = (value: string | number) => {
		params.push(value);
		return `?${params.length}`;
	};
	if (query.day) where.push(`day = ${bind(query.day)}`);
	if (query.since) where.push(`day >= ${bind(query.since)}`);
	const runWhere = [...where];
	if (query.kind) where.push(`kind = ${bind(query.kind)}`);
	const kindParams = [...params];
	if (query.cursor) {
		const day = bind(query.cursor.day);
		where.push(`(day < ${day} OR (day = ${day} AND id > ${bind(query.cursor.id)}))`);
	}
	// One more than asked for: whether there is a next page.
	const limit = bind(query.limit + 1);
	const [mismatches, runs] = await withTables(db, () =>
		Promise.all([
			db
				.prepare(
					`SELECT * FROM reconciliation_mismatch WHERE ${where.join(" AND ")} ORDER BY day DESC, id LIMIT ${limit}`,
				)
				.bind(...params)
				.all<MismatchRow>(),
			db
				.prepare(`SELECT * FROM reconciliation_run WHERE ${runWhere.join(" AND ")} ORDER BY day DESC LIMIT 366`)
				.bind(...kindParams.slice(0, runWhere.length))
				.all<RunRow>(),
		]),
	);
	const page = mismatches.results.slice(0, query.limit);
	const last = page.at(-1);
	return {
		mismatches: page.map(mismatchView),
		...(mismatches.results.length > query.limit && last ? { next_cursor: encodePageCursor([last.day, last.id]) } : {}),
		runs: runs.results.map((run) => ({
			client_id: run.client_id,
			day: run.day,
			finished_at: new Date(run.finished_at).toISOString(),
			mismatches: run.mismatches,
		})),
	};
}

function mismatchView(row: MismatchRow): MismatchView {
	return {
		id: row.id,
		client_id: row.client_id,
		day: row.day,
		kind: row.kind,
		subject: row.subject,
		...(row.reference !== null ? { reference: row.reference } : {}),
		...(row.authorization_id !== null ? { authorization_id: row.authorization_id } : {}),
		...(row.capture_id !== null ? { capture_id: row.capture_id } : {}),
		...(row.flexiti_amount !== null ? { flexiti_amount: row.flexiti_amount } : {}),
		...(row.ledger_amount !== null ? { ledger_amount: row.ledger_amount } : {}),
		detail: row.detail,
		found_at: new Date(row.found_at).toISOString(),
	};
}

/** A stored difference as the merchant reads it. */
export function storedView(m: StoredMismatch): MismatchView {
	return { ...m, found_at: new Date(m.found_at).toISOString() };
}
