/**
 * One run at a time: while a run is in flight, whoever asks shares it (its result or its failure)
 * instead of starting another; the first ask after it settles starts a new one. An order's alarm
 * (a test's runDurableObjectAlarm beside the scheduled one must not apply the same events twice), a
 * hosted session's read, a day's reconciliation, a token's renewal: each must never run twice side by side.
 *
 * A run may be asked for with a key: it is shared only with asks of the same key (an authorization
 * for the same amount and account). An ask of another key waits for the run in flight to settle and
 * then starts its own, so that it is judged against what that run left (an authorization for another
 * amount is refused, not answered with the first one's result).
 */
export class OneAtATime<T> {
	private inFlight: { key: string; run: Promise<T> } | undefined;

	/** The run in flight, if there is one. */
	get current(): Promise<T> | undefined {
		return this.inFlight?.run;
	}

	/** The run in flight if its key is `key` (shared until it settles), else `start`'s once none is. */
	run(start: () => Promise<T>, key = ""): Promise<T> {
		const waiting = this.inFlight;
		if (waiting?.key === key) return waiting.run;
		if (waiting) return waiting.run.then(settled, settled).then(() => this.run(start, key));
		const run = start().finally(() => {
			if (this.inFlight?.run === run) this.inFlight = undefined;
		});
		this.inFlight = { key, run };
		return run;
	}
}

function settled(): void {}
