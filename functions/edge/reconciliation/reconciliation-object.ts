/**
 * One Durable Object per client id and day: the home of that day's reconciliation with Flexiti. It
 * runs the comparison one run at a time (a run asked for while one is in flight shares it), keeps
 * every difference found under its id — so a difference found again is not new — and writes each new
 * difference and its `reconciliation.mismatch` event in one storage write, the way an order writes a
 * change and its event. Its alarm delivers the events (the order's outbox rules: Standard Webhooks,
 * backoff and jitter over the retry window, then failed), writes the rows to D1 until they land, and
 * retries a daily run that Flexiti could not answer.
 *
 * Why an outbox of its own rather than the orders': a difference may belong to no order the edge
 * knows, a run finds several at once, and its record of a difference and the event that reports it
 * must be written together — which only one object's storage can do.
 */
import { DurableObject } from "cloudflare:workers";
import type { components } from "../../../generated/edge-api.ts";
import { d1RetryDelay, doublingDelay } from "../core/backoff.ts";
import { Clock } from "../core/clock.ts";
import { edgeConfig } from "../core/config.ts";
import type { EdgeBindings } from "../core/env.ts";
import { OneAtATime } from "../core/one-at-a-time.ts";
import { errorName } from "../core/redact.ts";
import { OutboxSender } from "../orders/deliver-event.ts";
import { nextDeliveryAt, type OutboxEvent, outboxEvent, outboxView, redeliver } from "../orders/outbox.ts";
import { compareDay } from "./compare.ts";
import { gatherDay } from "./gather.ts";
import { type StoredMismatch, storedView, writeDay } from "./reconciliation-store.ts";
import type { RunAnswer, RunRequest, RunView } from "./run.ts";

type MerchantEventRecord = components["schemas"]["MerchantEventRecord"];

const DAY = "day";
const MISMATCH_PREFIX = "mismatch:";
const OUTBOX_PREFIX = "outbox:";
const outboxKey = (sequence: number) => `${OUTBOX_PREFIX}${String(sequence).padStart(10, "0")}`;

/**
 * What Flexiti made this recently and a ledger lacks is left to a later run (compare.ts): longer than a
 * forwarded call takes with its retries, and than an order event's first retries of a lost answer. The
 * daily run, for the day before, is hours past it.
 */
export const SETTLING_MS = 10 * 60_000;

/** A daily run Flexiti could not answer is tried again this many times, further apart each time. */
const SCHEDULED_RETRIES = 8;
const retryAfter = (attempts: number) => doublingDelay(attempts, 15 * 60_000, 6 * 3_600_000);

interface DayState {
	clientId: string;
	day: string;
	/** The last event's sequence (events are numbered per day's reconciliation). */
	sequence: number;
	lastRun?: Omit<RunView, "mismatches" | "new_mismatches">;
	/** D1 has yet to get the rows (and when to try again after a failure). */
	unwritten?: { at: number; attempts: number };
	/** A daily run that failed waits for this retry. */
	retry?: { at: number; attempts: number };
}

export class Reconciliation extends DurableObject<EdgeBindings> {
	/** The day's time, as an order's (core/clock.ts): the wall clock, which a test moves on to a retry. */
	readonly clock = new Clock();
	private state: DayState | undefined;
	private readonly mismatches = new Map<string, StoredMismatch>();
	private outbox: OutboxEvent[] = [];
	private readonly running = new OneAtATime<RunAnswer>();
	private readonly alarmRun = new OneAtATime<void>();
	private readonly sender = new OutboxSender();

	constructor(ctx: DurableObjectState, env: EdgeBindings) {
		super(ctx, env);
		ctx.blockConcurrencyWhile(async () => {
			this.state = await ctx.storage.get<DayState>(DAY);
			for (const m of (await ctx.storage.list<StoredMismatch>({ prefix: MISMATCH_PREFIX })).values()) {
				this.mismatches.set(m.id, m);
			}
			this.outbox = [...(await ctx.storage.list<OutboxEvent>({ prefix: OUTBOX_PREFIX })).values()];
		});
	}

	/** Reconciles the day now, or answers with the run already in flight. */
	run(request: RunRequest): Promise<RunAnswer> {
		return this.running.run(() => this.runOnce(request));
	}

	private async runOnce({ clientId, day, scheduled }: RunRequest): Promise<RunAnswer> {
		const state: DayState = this.state ?? { clientId, day, sequence: 0 };
		const startedAt = this.clock.now();
		let found: ReturnType<typeof compareDay>;
		let checked: RunView["checked"];
		try {
			const record = await gatherDay(this.env, clientId, day, (promise) => this.ctx.waitUntil(promise));
			found = compareDay(record, startedAt - SETTLING_MS);
			checked = {
				flexiti_captures: record.captures.length,
				flexiti_authorizations: record.authorizations.length,
				ledgers: record.ledgers.length,
			};
		} catch (error) {
			const message = error instanceof Error ? error.message : "unknown";
			console.error(
				JSON.stringify({ event: "reconciliation_incomplete", client_id: clientId, day, name: errorName(error) }),
			);
			if (scheduled) await this.retryLater(state);
			return { ok: false, error: message };
		}
		// From here to the write, nothing awaits: the new differences, their events and the run are one write.
		const config = edgeConfig(this.env);
		const now = this.clock.now();
		const entries: Record<string, unknown> = {};
		const fresh: StoredMismatch[] = [];
		for (const mismatch of found) {
			if (this.mismatches.has(mismatch.id)) continue;
			const stored: StoredMismatch = { ...mismatch, found_at: now };
			this.mismatches.set(stored.id, stored);
			fresh.push(stored);
			state.sequence += 1;
			const body = {
				type: "reconciliation.mismatch",
				timestamp: new Date(now).toISOString(),
				data: storedView(stored),
			};
			const event = outboxEvent(
				stored.id,
				state.sequence,
				"reconciliation.mismatch",
				JSON.stringify(body),
				clientId,
				config,
				now,
			);
			this.outbox.push(event);
			entries[`${MISMATCH_PREFIX}${stored.id}`] = stored;
			entries[outboxKey(event.sequence)] = event;
		}
		state.lastRun = {
			client_id: clientId,
			day,
			status: "completed",
			started_at: new Date(startedAt).toISOString(),
			finished_at: new Date(now).toISOString(),
			checked,
		};
		state.unwritten = { at: now, attempts: 0 };
		delete state.retry;
		this.state = state;
		entries[DAY] = state;
		await this.ctx.storage.put(entries);
		await this.writeRows();
		await this.wake();
		return { ok: true, run: this.view(fresh.length) };
	}

	/** The day's last run, with every difference found so far. */
	private view(fresh: number): RunView {
		const last = this.state?.lastRun;
		if (!last) throw new Error("no run yet");
		return {
			...last,
			new_mismatches: fresh,
			mismatches: [...this.mismatches.values()].sort((a, b) => a.id.localeCompare(b.id)).map(storedView),
		};
	}

	private async retryLater(state: DayState): Promise<void> {
		const attempts = (state.retry?.attempts ?? 0) + 1;
		if (attempts > SCHEDULED_RETRIES) {
			delete state.retry;
		} else {
			state.retry = { attempts, at: this.clock.now() + retryAfter(attempts) };
		}
		this.state = state;
		await this.ctx.storage.put(DAY, state);
		await this.wake();
	}

	/** The rows to D1; on failure, the alarm tries again later (the rows are never lost, only late). */
	private async writeRows(): Promise<void> {
		const state = this.state;
		const last = state?.lastRun;
		const unwritten = state?.unwritten;
		if (!state || !unwritten || !last?.finished_at || unwritten.at > this.clock.now()) return;
		try {
			await writeDay(this.env.ORDER_INDEX, [...this.mismatches.values()], {
				client_id: state.clientId,
				day: state.day,
				finished_at: Date.parse(last.finished_at),
				mismatches: this.mismatches.size,
			});
			delete state.unwritten;
		} catch (error) {
			const attempts = unwritten.attempts + 1;
			state.unwritten = { attempts, at: this.clock.now() + d1RetryDelay(attempts) };
			console.error(JSON.stringify({ event: "reconciliation_rows_unwritten", attempts, name: errorName(error) }));
		}
		await this.ctx.storage.put(DAY, state);
	}

	/** Deliveries, rows, a scheduled retry: whatever is due. */
	override alarm(): Promise<void> {
		return this.alarmRun.run(() => this.runAlarm());
	}

	private async runAlarm(): Promise<void> {
		const state = this.state;
		if (!state) return;
		if (state.retry && state.retry.at <= this.clock.now()) {
			await this.run({ clientId: state.clientId, day: state.day, scheduled: true });
		}
		await this.deliverDue(state);
		await this.writeRows();
		await this.wake(true);
	}

	/** The due deliveries, each event saved under its own key as its result comes. */
	private deliverDue(state: DayState): Promise<void> {
		return this.sender.deliverDue(
			{ outbox: this.outbox },
			state.clientId,
			edgeConfig(this.env),
			(event) => this.ctx.storage.put(outboxKey(event.sequence), event),
			this.clock.now,
		);
	}

	/** Sets the alarm for the earliest of what needs it (`replace`: from the alarm itself, which may move it later). */
	private async wake(replace = false): Promise<void> {
		const times = [nextDeliveryAt({ outbox: this.outbox }), this.state?.unwritten?.at, this.state?.retry?.at].filter(
			(t) => t !== undefined,
		);
		if (times.length === 0) return;
		const at = this.clock.wallTime(Math.min(...times));
		const current = await this.ctx.storage.getAlarm();
		if (replace || current === null || current > at) await this.ctx.storage.setAlarm(at);
	}

	/** For the merchant: the day's events with their deliveries, as an order's are read. */
	async events(): Promise<MerchantEventRecord[]> {
		return outboxView({ outbox: this.outbox });
	}

	/** Sends one event to one endpoint again, now, for a fresh retry window (same webhook-id, same body). */
	async redeliver(deliveryId: string): Promise<"redelivered" | "not_found"> {
		const event = redeliver(
			{ outbox: this.outbox },
			deliveryId,
			this.clock.now(),
			edgeConfig(this.env).eventRetryWindowMs,
		);
		if (!event) return "not_found";
		await this.ctx.storage.put(outboxKey(event.sequence), event);
		await this.wake();
		return "redelivered";
	}
}
