/**
 * One order's row in the order index (D1), kept as its state reads: the alarm writes it when it
 * changed, and while D1 fails tries again with growing delays (the alarm stays set, so the row is
 * never missed, only late). What was last written is remembered by its fingerprint, in memory and
 * under `index:row`, so an order that changes nothing the row shows writes nothing to D1.
 */
import { d1RetryDelay } from "../core/backoff.ts";
import { errorName } from "../core/redact.ts";
import { indexRow, rowFingerprint, writeIndexRow } from "./order-index.ts";
import type { OrderState } from "./order-state.ts";

/** Storage key of the order's index row as last written to D1 (its fingerprint). */
const INDEXED_ROW = "index:row";

export class IndexedRow {
	/** The row as last written to the index; undefined before the first write. */
	private written: string | undefined;
	/** While the index cannot be written: attempts so far and when to try again. */
	private retry: { attempts: number; at: number } | undefined;

	constructor(
		private readonly storage: DurableObjectStorage,
		private readonly index: D1Database,
		private readonly now: () => number,
	) {}

	/** Reads what was last written (as the order's object loads). */
	async load(): Promise<void> {
		this.written = await this.storage.get<string>(INDEXED_ROW);
	}

	/** Whether the index has yet to learn what the order's row says now. */
	stale(state: OrderState): boolean {
		return rowFingerprint(indexRow(state, this.now())) !== this.written;
	}

	/** When the alarm should write the row: now, or the next try while D1 fails; undefined when it is current. */
	dueAt(state: OrderState): number | undefined {
		return this.stale(state) ? (this.retry?.at ?? this.now()) : undefined;
	}

	/** Writes the row when it changed and no retry is waiting; a failure is logged and tried again later. */
	async write(state: OrderState): Promise<void> {
		const now = this.now();
		const row = indexRow(state, now);
		const fingerprint = rowFingerprint(row);
		if (fingerprint === this.written || (this.retry && this.retry.at > now)) return;
		try {
			await writeIndexRow(this.index, row, now);
			this.written = fingerprint;
			this.retry = undefined;
			await this.storage.put(INDEXED_ROW, fingerprint);
		} catch (error) {
			const attempts = (this.retry?.attempts ?? 0) + 1;
			this.retry = { attempts, at: now + d1RetryDelay(attempts) };
			console.error(JSON.stringify({ event: "order_index_write_failed", attempts, name: errorName(error) }));
		}
	}
}
