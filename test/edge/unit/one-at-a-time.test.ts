/**
 * `OneAtATime` (core/one-at-a-time.ts), the one rule behind an order's alarm, its authorization
 * attempt, a hosted session's read, a day's reconciliation and a token's renewal: whoever asks while
 * a run is in flight shares it, its answer or its failure; the first ask after it settles starts anew.
 */
import { describe, expect, it } from "vitest";
import { OneAtATime } from "../../../functions/edge/core/one-at-a-time.ts";

/** A run that settles when the test says so, counting how often it was started. */
function controlledRun<T>() {
	let started = 0;
	const settle: { resolve?: (value: T) => void; reject?: (error: Error) => void } = {};
	const start = () => {
		started += 1;
		return new Promise<T>((resolve, reject) => Object.assign(settle, { resolve, reject }));
	};
	return { start, settle, started: () => started };
}

describe("OneAtATime", () => {
	it("gives everyone who asks while a run is in flight that run's answer, started once", async () => {
		const runs = new OneAtATime<number>();
		const run = controlledRun<number>();
		const asks = [runs.run(run.start), runs.run(run.start), runs.run(run.start)];
		expect(runs.current).toBe(asks[0]);
		run.settle.resolve?.(7);
		expect(await Promise.all(asks)).toEqual([7, 7, 7]);
		expect(run.started()).toBe(1);
		expect(runs.current).toBeUndefined();
	});

	it("shares a failure too, and starts a new run for the next ask after it", async () => {
		const runs = new OneAtATime<number>();
		const run = controlledRun<number>();
		const asks = [runs.run(run.start), runs.run(run.start)];
		run.settle.reject?.(new Error("Flexiti did not answer"));
		for (const ask of asks) await expect(ask).rejects.toThrow("Flexiti did not answer");

		const again = runs.run(run.start);
		expect(run.started()).toBe(2);
		run.settle.resolve?.(8);
		expect(await again).toBe(8);
	});
});

describe("OneAtATime with keys", () => {
	it("shares a run only with asks of its key; another key waits for it to settle, then runs its own", async () => {
		const runs = new OneAtATime<string>();
		const first = controlledRun<string>();
		const other = controlledRun<string>();
		const asks = [runs.run(first.start, "75"), runs.run(other.start, "80"), runs.run(first.start, "75")];
		expect(asks[2]).toBe(asks[0]);
		await Promise.resolve();
		expect(other.started()).toBe(0); // not side by side with the run of another key
		first.settle.resolve?.("authorized 75");
		expect(await asks[0]).toBe("authorized 75");
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(other.started()).toBe(1); // its own run, judged after the first settled
		other.settle.resolve?.("refused 80");
		expect(await asks[1]).toBe("refused 80");
		expect(first.started()).toBe(1);
		expect(runs.current).toBeUndefined();
	});

	it("after a failure of another key's run, still runs its own", async () => {
		const runs = new OneAtATime<string>();
		const first = controlledRun<string>();
		const other = controlledRun<string>();
		const asks = [runs.run(first.start, "a"), runs.run(other.start, "b")];
		first.settle.reject?.(new Error("Flexiti did not answer"));
		await expect(asks[0]).rejects.toThrow("Flexiti did not answer");
		await new Promise((resolve) => setTimeout(resolve, 0));
		other.settle.resolve?.("b's own");
		expect(await asks[1]).toBe("b's own");
	});
});
