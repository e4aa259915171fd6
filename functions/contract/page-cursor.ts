/**
 * Where a listing's page ended, as the caller passes it back (`next_cursor` → `cursor`): the sort keys
 * of the page's last row, as URL-safe base64 of their JSON's UTF-8 (a key is any text, and `btoa`
 * takes Latin-1 only). Opaque to the caller; checked key by key when it comes back.
 */
import { base64UrlDecode, base64UrlEncode } from "./bytes.ts";

type KeyKind = "number" | "string";
type KeysOf<K extends readonly KeyKind[]> = { [I in keyof K]: K[I] extends "number" ? number : string };

export function encodePageCursor(keys: readonly (number | string)[]): string {
	return base64UrlEncode(new TextEncoder().encode(JSON.stringify(keys)));
}

/** The keys a previous page's cursor holds, or undefined when `text` is not a cursor of this shape. */
export function decodePageCursor<const K extends readonly KeyKind[]>(text: string, kinds: K): KeysOf<K> | undefined {
	const bytes = base64UrlDecode(text);
	if (!bytes) return undefined;
	try {
		const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
		if (Array.isArray(value) && value.length === kinds.length && kinds.every((kind, i) => typeof value[i] === kind)) {
			return value as KeysOf<K>;
		}
	} catch {}
	return undefined;
}
