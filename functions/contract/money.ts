/**
 * Amounts are CAD dollars with two decimals (Flexiti's number(18,2)); order systems send them as
 * numbers or decimal strings. Arithmetic is done in whole cents, so no floating-point residue
 * ever decides whether a capture fits.
 */
export function cents(amount: number | string | undefined): number {
	const number = typeof amount === "number" ? amount : Number.parseFloat(amount ?? "0");
	return Number.isFinite(number) ? Math.round(number * 100) : 0;
}

export function dollars(cents: number): number {
	return cents / 100;
}

/** a − b, in dollars. */
export function subtract(a: number, b: number): number {
	return dollars(cents(a) - cents(b));
}

/** a + b, in dollars. */
export function add(a: number, b: number): number {
	return dollars(cents(a) + cents(b));
}

/** The sum of amounts, in dollars. */
export function sum(amounts: readonly number[]): number {
	return dollars(amounts.reduce((total, amount) => total + cents(amount), 0));
}
