/**
 * The last line that keeps merchant-scope Flexiti tokens inside the worker: whatever Flexiti answers
 * a merchant's call is scanned for the tokens that call used (and their refresh tokens) before it is
 * passed on. Flexiti echoes its caller's token in a widget URL; an error page or a future field could
 * do the same, and the edge must not be the one that hands it out.
 */

import type { FlexitiToken } from "../flexiti/flexiti-token.ts";
import type { FlexitiResult } from "../flexiti/gateway.ts";

/** True when the answer (body, error, or any header) contains one of these tokens. */
export function carriesToken(result: FlexitiResult, used: readonly FlexitiToken[]): boolean {
	const secrets = used.flatMap((t) => [t.accessToken, t.refreshToken ?? ""]).filter((s) => s.length >= 8);
	if (secrets.length === 0) return false;
	const error =
		result.error === undefined ? "" : typeof result.error === "string" ? result.error : JSON.stringify(result.error);
	// Each part on its own: no copy of the whole answer is made to search it.
	const parts = [result.text ?? "", error];
	for (const [name, value] of result.response.headers) parts.push(name, value);
	return secrets.some((secret) => {
		const encoded = encodeURIComponent(secret);
		return parts.some((part) => part.includes(secret) || (encoded !== secret && part.includes(encoded)));
	});
}
