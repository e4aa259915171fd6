/**
 * Personal data never reaches a log: names, dates of birth, licence and SIN numbers, phone numbers,
 * e-mail and addresses are replaced, account and card numbers keep their last 4 digits, and
 * secrets and tokens are dropped whole.
 */
const hidden = new Set([
	"first_name",
	"middle_name",
	"last_name",
	"name",
	"dob",
	"sin",
	"govid_number",
	"phone_number",
	"phone",
	"email",
	"address_1",
	"address_2",
	"postal_code",
	"security_answer",
	"code",
]);
const lastFour = new Set(["account_number", "vcc_number", "card_number", "customer_id"]);
const secrets = /secret|password|api_key|authorization|verification_code|(^|_)token$/i;

export function redact(value: unknown, key = ""): unknown {
	if (secrets.test(key)) return "[secret]";
	if (hidden.has(key)) return "[redacted]";
	if (lastFour.has(key) && (typeof value === "string" || typeof value === "number"))
		return maskAllButLastFour(String(value));
	if (Array.isArray(value)) return value.map((item) => redact(item));
	if (value && typeof value === "object") {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
	}
	return value;
}

export function maskAllButLastFour(value: string): string {
	return value.length <= 4 ? "****" : `${"*".repeat(value.length - 4)}${value.slice(-4)}`;
}

/** A path with its account numbers masked, e.g. `/accounts/**********0001/refund`. */
export function redactPath(path: string): string {
	return path.replace(
		/\/(accounts?)\/(\d+)/g,
		(_, segment: string, digits: string) => `/${segment}/${maskAllButLastFour(digits)}`,
	);
}
