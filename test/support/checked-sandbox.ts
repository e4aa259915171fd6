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
		const check = async (whole: Response) => {
			const found = await answerViolations(request.method, pathname, whole);
			if (found.length > 0) violations.push(...found.map((v) => `${request.method} ${pathname}: ${v}`));
		};
		if (response.body === null) {
			await check(response);
			return response;
		}
		return checkedAsItStreams(response, response.body, check);
	},
} satisfies ExportedHandler<SandboxBindings>;

/**
 * The answer passed on as it streams, and checked once its body is whole, before the caller reads
 * its end (so a violation is kept before the test that caused it can take them). Not checked before
 * it is passed on: holding the headers back until the body had come would change what the caller
 * sees, and a body that stalls after its headers (the sandbox's `stall` fault) would stall the call
 * itself. A body the caller gives up on (cancels) is not checked, and its giving up reaches the sandbox.
 */
function checkedAsItStreams(
	response: Response,
	source: ReadableStream<Uint8Array>,
	check: (whole: Response) => Promise<void>,
): Response {
	const reader = source.getReader();
	const chunks: Uint8Array[] = [];
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { done, value } = await reader.read();
			if (!done) {
				chunks.push(value);
				controller.enqueue(value);
				return;
			}
			await check(new Response(new Blob(chunks), response));
			controller.close();
		},
		cancel(reason) {
			return reader.cancel(reason);
		},
	});
	return new Response(body, response);
}

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
