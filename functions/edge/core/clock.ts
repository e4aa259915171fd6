/**
 * A Durable Object's time: the wall clock, moved on by however far a test moved it (`advance`).
 * Retries, backoffs, expiries and aging all read `now()`, so a test makes three days pass, or a
 * backoff's delay, without sleeping them out. Nothing in the Workers calls `advance`: in production
 * this is the wall clock. A test reaches it through `runInDurableObject` (test/edge/alarms.ts):
 * it is a field, not a method, so it is not on the object's RPC surface and no caller can move it.
 * The runtime's alarms go off by the wall clock: an alarm for a time on this clock is set at `wallTime(at)`.
 */
export class Clock {
	/** How far a test moved time on; 0 unless one did (and again 0 once the object is evicted). */
	private offsetMs = 0;

	/** Now on this clock (ms since the epoch). A bound function: handed to whatever takes a `now`. */
	readonly now = (): number => Date.now() + this.offsetMs;

	/** When, by the wall clock, the runtime's alarm for `at` on this clock must go off. */
	wallTime(at: number): number {
		return at - this.offsetMs;
	}

	/** Moves time on by `ms` (tests only; time never goes back). */
	advance(ms: number): void {
		if (ms > 0) this.offsetMs += ms;
	}
}
