/**
 * One run at a time: while a run is in flight, whoever asks shares it (its result or its failure)
 * instead of starting another; the first ask after it settles starts a new one. An order's alarm
 * (a test's runDurableObjectAlarm beside the scheduled one must not apply the same events twice), a
 * hosted session's read, a day's reconciliation, a token's renewal: each must never run twice side by side.
 */
export class OneAtATime<T> {
	private inFlight: Promise<T> | undefined;

	/** The run in flight, if there is one. */
	get current(): Promise<T> | undefined {
		return this.inFlight;
	}

	/** The run in flight, or `start`'s, shared until it settles. */
	run(start: () => Promise<T>): Promise<T> {
		this.inFlight ??= start().finally(() => {
			this.inFlight = undefined;
		});
		return this.inFlight;
	}
}
