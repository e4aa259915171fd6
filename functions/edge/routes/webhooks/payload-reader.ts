/**
 * Reading a signed payload whose shape nobody guarantees. Order systems, plugins and hand-made test
 * deliveries send arrays holding `null`, numbers where strings belong, objects where arrays belong.
 * Each read gives a value of the expected type, or nothing — and a field that is present with the
 * wrong type is written down (by its path), so the delivery can be recorded as unusable with a
 * precise reason instead of crashing the handler (a 500 makes the sender retry, then give up).
 */
import { isJsonObject, type JsonObject } from "../../../contract/json-object.ts";
import { cents } from "../../../contract/money.ts";

export class PayloadReader {
	/** What was present but unusable, as `path: why`. */
	readonly problems: string[] = [];

	/** An object, or undefined when absent (null too). */
	object(value: unknown, path: string): JsonObject | undefined {
		if (value === undefined || value === null) return undefined;
		if (isJsonObject(value)) return value;
		return this.problem(path, "an object", value);
	}

	/** The items of an array (absent: none). Every item must be an object. */
	objects(value: unknown, path: string): JsonObject[] {
		if (value === undefined || value === null) return [];
		if (!Array.isArray(value)) {
			this.problem(path, "an array", value);
			return [];
		}
		const items: JsonObject[] = [];
		value.forEach((item, index) => {
			if (isJsonObject(item)) items.push(item);
			else this.problem(`${path}[${index}]`, "an object", item);
		});
		return items;
	}

	/** A string (absent or null: undefined). */
	string(value: unknown, path: string): string | undefined {
		if (value === undefined || value === null) return undefined;
		if (typeof value === "string") return value;
		return this.problem(path, "a string", value);
	}

	/** Strings of an array (absent: none). */
	strings(value: unknown, path: string): string[] {
		if (value === undefined || value === null) return [];
		if (!Array.isArray(value)) {
			this.problem(path, "an array of strings", value);
			return [];
		}
		return value.flatMap((item, index) => {
			const text = this.string(item, `${path}[${index}]`);
			return text === undefined ? [] : [text];
		});
	}

	/**
	 * An id as text, without loss: a non-negative integer (big ones arrive as strings, see
	 * signed-json.ts) or a string of digits.
	 */
	id(value: unknown, path: string): string | undefined {
		if (value === undefined || value === null) return undefined;
		if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return String(value);
		if (typeof value === "string" && /^\d{1,30}$/.test(value)) return value;
		return this.problem(path, "an id (digits)", value);
	}

	/**
	 * An amount in cents, from a decimal string or a number: at most two decimals (Canadian dollars; a third
	 * would be rounded into money nobody sent), and not below zero unless the field is signed (WooCommerce
	 * writes a refund's total as negative): a negative discount would raise a capture.
	 */
	money(value: unknown, path: string, sign: "non-negative" | "signed" = "non-negative"): number | undefined {
		if (value === undefined || value === null) return undefined;
		const text = typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
		// Plain decimals only (a number's shortest spelling past 1e21 or below 1e-6 has an exponent: refused).
		const parts = /^-?(\d{1,13})(?:\.(\d+))?$/.exec(text);
		if (!parts) return this.problem(path, "an amount", value);
		// Trailing zeros are no cents ("100.000", as a store set to three decimals writes it).
		if ((parts[2] ?? "").replace(/0+$/, "").length > 2) {
			return this.problem(path, "an amount of at most two decimals", value);
		}
		const amount = Number(text);
		if (sign === "non-negative" && amount < 0) return this.problem(path, "an amount of zero or more", value);
		return cents(amount);
	}

	/** A whole count (a quantity), from a number or a string of digits. */
	count(value: unknown, path: string): number | undefined {
		if (value === undefined || value === null) return undefined;
		if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
		if (typeof value === "string" && /^\d{1,9}$/.test(value)) return Number(value);
		return this.problem(path, "a whole number", value);
	}

	/** The problems, in one line for a ledger or an answer (never the values: they may be personal data). */
	summary(): string {
		const shown = this.problems.slice(0, 5).join("; ");
		return this.problems.length > 5 ? `${shown}; and ${this.problems.length - 5} more` : shown;
	}

	private problem(path: string, expected: string, value: unknown): undefined {
		this.problems.push(`${path} is not ${expected} (${describe(value)})`);
		return undefined;
	}
}

/**
 * What a value is, never the value itself. Digits alone are said as such: an integer past 2^53 is
 * kept as its digits (signed-json.ts), so a JSON number 1e20 arrives here as 21 digits, not as a string.
 */
function describe(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "an array";
	if (typeof value === "string") return /^\d{16,}$/.test(value) ? `a number of ${value.length} digits` : "a string";
	if (typeof value === "number") return Number.isFinite(value) ? "a number" : "not a finite number";
	return `a ${typeof value}`;
}
