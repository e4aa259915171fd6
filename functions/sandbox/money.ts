/** Amounts are CAD dollars with two decimals (number(18,2)); arithmetic is done in cents. */
export function cents(amount: number): number {
	return Math.round(amount * 100);
}

export function dollars(cents: number): number {
	return cents / 100;
}

/** a − b, in dollars, without floating-point residue. */
export function subtract(a: number, b: number): number {
	return dollars(cents(a) - cents(b));
}

export function add(a: number, b: number): number {
	return dollars(cents(a) + cents(b));
}
