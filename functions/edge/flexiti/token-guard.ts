/**
 * The last line that keeps merchant-scope Flexiti tokens inside the worker: whatever Flexiti answers
 * a merchant's call is scanned for the tokens that call used (and their refresh tokens) before it is
 * passed on. Flexiti echoes its caller's token in a widget URL; an error page or a future field could
 * do the same, and the edge must not be the one that hands it out.
 */

import type { FlexitiToken } from "./flexiti-token.ts";
import type { FlexitiResult, TokenSource } from "./gateway.ts";

/** True when the answer (body, error, or any header) contains one of these tokens. */
export function carriesToken(result: FlexitiResult, used: readonly FlexitiToken[]): boolean {
	if (used.length === 0) return false;
	// Each part on its own: no copy of the whole answer is made to search it.
	const parts = [result.text ?? "", errorText(result.error)];
	for (const [name, value] of result.response.headers) parts.push(name, value);
	return partsCarryToken(parts, used);
}

/** An answer's error (Flexiti's envelope, parsed, or its text) as text to search. */
export function errorText(error: unknown): string {
	return error === undefined ? "" : typeof error === "string" ? error : JSON.stringify(error);
}

/** True when one of these texts contains one of these tokens (or its refresh token), as is or URL-encoded. */
export function partsCarryToken(parts: readonly string[], used: readonly FlexitiToken[]): boolean {
	const secrets = used.flatMap((t) => [t.accessToken, t.refreshToken ?? ""]).filter((s) => s.length >= 8);
	if (secrets.length === 0) return false;
	return secrets.some((secret) => {
		const encoded = encodeURIComponent(secret);
		return parts.some((part) => part.includes(secret) || (encoded !== secret && part.includes(encoded)));
	});
}

/** A token source that remembers every token it handed out: the tokens a call's answer is scanned for. */
export function watchedTokens(source: TokenSource): { tokens: TokenSource; used: FlexitiToken[] } {
	const used: FlexitiToken[] = [];
	const tokens: TokenSource = {
		async get() {
			const token = await source.get();
			used.push(token);
			return token;
		},
		drop: (token) => source.drop(token),
	};
	return { tokens, used };
}
