/**
 * The delay before trying again after `attempts` failures: `baseMs`, then twice as long each time, at
 * most `maxMs`. For retries that the alarm schedules (an order's index row, a day's reconciliation rows
 * and its run), where one outage must not turn into a tight loop of writes or calls.
 */
export function doublingDelay(attempts: number, baseMs: number, maxMs: number): number {
	return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), maxMs);
}

/** D1 writes the alarm retries (index rows, reconciliation rows): from a second up to five minutes apart. */
export const d1RetryDelay = (attempts: number): number => doublingDelay(attempts, 1000, 300_000);
