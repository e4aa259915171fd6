/**
 * The bench's fast upstream (`npm run bench`, never deployed): a Flexiti that answers every operation
 * at once with its success body from the spec (EXAMPLES, set by scripts/bench from
 * spec/flexiti-pos-api.yaml) and every token request with a fresh token. It keeps no state, checks
 * nothing and costs next to nothing, so the scenarios in front of it measure the edge and the
 * pass-through themselves rather than the sandbox behind them.
 */
import { matchOperation } from "../functions/contract/match-operation.ts";

interface Bindings {
	/** JSON: operationId → the body it answers with. */
	EXAMPLES: string;
}

const BASE_PATH = "/flexiti/pos-api";
let bodies: Map<string, string> | undefined;

export default {
	async fetch(request: Request, env: Bindings): Promise<Response> {
		bodies ??= new Map(Object.entries(JSON.parse(env.EXAMPLES)).map(([id, body]) => [id, JSON.stringify(body)]));
		await request.arrayBuffer();
		const url = new URL(request.url);
		const matched = url.pathname.startsWith(BASE_PATH)
			? matchOperation(request.method, url.pathname.slice(BASE_PATH.length))
			: undefined;
		if (!matched) return Response.json({ error: "not_found", message: "No such operation" }, { status: 404 });
		const headers = {
			"content-type": "application/json",
			"x-reference-id": request.headers.get("x-reference-id") ?? "",
		};
		if (matched.operationId === "createToken") {
			const token = crypto.randomUUID().replaceAll("-", "");
			return new Response(
				JSON.stringify({
					token_type: "bearer",
					access_token: token,
					expires_in: 1200,
					refresh_token: `r${token}`,
					scope: "merchant",
				}),
				{ headers },
			);
		}
		return new Response(bodies.get(matched.operationId) ?? "{}", { headers });
	},
};
