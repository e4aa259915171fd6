/**
 * The specs' string formats as the edge's runtime reads them. `@cfworker/json-schema` checks a format's
 * grammar (RFC 3986, RFC 3339); the edge then hands the value to the runtime's parser (WHATWG `URL`,
 * `Date`), which refuses some of what the grammar allows: a port past 65535 or an IPv4 octet past 255
 * in a URI (`https://shop.example:99999/`), and a leap second in a date-time (`…T23:59:60Z`). Without
 * this a request could be accepted and its value fail later (a shopper's return from a paid hosted
 * checkout, a listing filter read as `NaN`). So a URI must be one `URL` parses, and a date-time is
 * read by `instantOf`, which knows leap seconds; the validator's formats are extended here, once per
 * isolate, for every spec's every field.
 */
import { format } from "@cfworker/json-schema";

const LEAP_SECOND = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:)60(\.\d+)?/;

/**
 * An RFC 3339 date-time as milliseconds since the epoch; a leap second (`:60`) as the last millisecond
 * of its minute, since JavaScript's clock has none. `NaN` when it is no date-time.
 */
export function instantOf(dateTime: string): number {
	const leap = LEAP_SECOND.exec(dateTime);
	if (!leap) return Date.parse(dateTime);
	return Date.parse(`${leap[1]}59.999${dateTime.slice(leap[0].length)}`);
}

/** The library's check of a format (it has one for each format the specs use). */
const grammar = (name: string): ((value: string) => boolean) => format[name] ?? (() => true);
const uriGrammar = grammar("uri");
format.uri = (value: string) => uriGrammar(value) && URL.canParse(value);
const dateTimeGrammar = grammar("date-time");
format["date-time"] = (value: string) => dateTimeGrammar(value) && !Number.isNaN(instantOf(value));
