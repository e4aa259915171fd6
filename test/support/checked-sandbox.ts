/**
 * The sandbox as the workerd projects run it beside the edge (bundled by build-sandbox.ts): the same
 * Worker, whose every answer to a Flexiti operation — the edge's own calls included, which no test
 * sees — is checked against the spec of its API (answer-check.ts). A violation is kept until a test
 * takes it (`POST /__test/contract-violations`); sandbox-contract.ts, set up in each project that runs
 * the edge, takes them after every test and fails it when there are any.
 */
import { matchOperation, operationMatcher } from "../../functions/contract/match-operation.ts";
import sandbox from "../../functions/sandbox/index.ts";
import { flexitiResponseSchemas } from "../../generated/flexiti-response-schemas.ts";
import { onlineOperations } from "../../generated/online-operations.ts";
import { onlineResponseSchemas } from "../../generated/online-response-schemas.ts";
import { checkAnswer, VIOLATIONS_PATH } from "./answer-check.ts";

export { SandboxWorld } from "../../functions/sandbox/index.ts";

const POS_BASE = "/flexiti/pos-api";
const ONLINE_BASE = "/flexiti/online-api";
const matchOnlineOperation = operationMatcher(onlineOperations);

/** This isolate's violations since a test last took them. */
let violations: string[] = [];

export default {
	async fetch(request, env) {
		const { pathname } = new URL(request.url);
		if (pathname === VIOLATIONS_PATH && request.method === "POST") {
			const taken = violations;
			violations = [];
			return Response.json(taken);
		}
		const response = await sandbox.fetch(request, env);
		const found = await answerViolations(request.method, pathname, response);
		if (found.length > 0) violations.push(...found.map((v) => `${request.method} ${pathname}: ${v}`));
		return response;
	},
} satisfies ExportedHandler<SandboxBindings>;

async function answerViolations(method: string, pathname: string, response: Response): Promise<string[]> {
	if (pathname.startsWith(`${POS_BASE}/`)) {
		const matched = matchOperation(method, pathname.slice(POS_BASE.length));
		if (matched)
			return (await checkAnswer(matched.operationId, flexitiResponseSchemas[matched.operationId], response)).violations;
	}
	if (pathname.startsWith(`${ONLINE_BASE}/`)) {
		const matched = matchOnlineOperation(method, pathname.slice(ONLINE_BASE.length));
		if (matched)
			return (await checkAnswer(matched.operationId, onlineResponseSchemas[matched.operationId], response)).violations;
	}
	return [];
}
