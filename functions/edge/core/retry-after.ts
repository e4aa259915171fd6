/**
 * A `Retry-After` header (RFC 9110 §10.2.3) in milliseconds from now: delay-seconds or an HTTP date;
 * undefined when there is none or it says neither. Read from Flexiti's answers and merchants' endpoints alike.
 */
export function retryAfterMs(response: Response): number | undefined {
	const header = response.headers.get("retry-after");
	if (!header) return undefined;
	const seconds = Number(header);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(header);
	return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
