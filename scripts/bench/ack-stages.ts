/**
 * One webhook ack's latency by stage, at no load: requests sent one at a time (each waits for the
 * last answer), so each latency is one request's path through the Workers, not a queue. Each kind
 * of request stops at a later stage of the same route, so the differences between their medians are
 * what each stage adds (real requests, real bindings, no instrumented build):
 *
 *   bare receiver        the bench's baseline: body read, 200 (bench/bare-worker.ts)
 *   edge GET /healthz    the edge's app around a route (request log, security headers)
 *   wrong content type   the webhook route's first refusal (400): no body read
 *   bad signature        body read and Standard Webhooks verification (401)
 *   schema refused       + JSON parse and the spec's check (400)
 *   unknown order        + the order's Durable Object call, which stores nothing (200, ignored)
 *   duplicate            + a known order deduplicating an event it has (200, duplicates: 1): no write
 *   fresh event (ack)    + storing the event durably before the answer (200): the bench's ack
 * and, after 12 s without requests, the ack of each order once its Durable Object was evicted (cold),
 * with the same order's next ack beside it (warm).
 *
 *   flock /work/notes/bench.lock sh scripts/with-node.sh node scripts/bench/ack-stages.ts [requests per kind]
 * The kinds take turns, request by request, so drift on a shared machine falls on all of them alike.
 */
import { Agent, request as httpRequest } from "node:http";
import { Webhook } from "standardwebhooks";
import { buildAssets } from "../build-assets.ts";
import { openOrders } from "./ack-load.ts";
import { localSettings, startWorkers, stopWorkers } from "./workers.ts";

const perKind = Number(process.argv[2] ?? 300);
const ORDERS = 20;
/** Idle time after which workerd has evicted the orders' Durable Objects (its limit is 10 s). */
const COLD_AFTER_MS = 12_000;

interface Kind {
	name: string;
	origin: "edge" | "bare";
	/** What to send, made anew each time (signatures are over a fresh timestamp). */
	make: (n: number) => { method: string; path: string; headers: Record<string, string>; body?: string };
	status: number;
}

buildAssets();
let exitCode = 0;
try {
	const workers = await startWorkers(new Set(["edge", "bare"]));
	const webhook = new Webhook((localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "");
	const wrongSigner = new Webhook("whsec_c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZSwgbm90IHRoZSBlZGdl");
	const references = await openOrders(workers.edge ?? "", ORDERS, "STAGES");
	const signed = (signer: Webhook, id: string, payload: unknown) => {
		const now = new Date();
		const body = JSON.stringify(payload);
		return {
			method: "POST",
			path: "/v1/webhooks/standard",
			headers: {
				"content-type": "application/json",
				"webhook-id": id,
				"webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
				"webhook-signature": signer.sign(id, now, body),
			},
			body,
		};
	};
	const event = (type: string, reference: string) => ({
		type,
		timestamp: new Date().toISOString(),
		data: { reference },
	});
	const fresh = (n: number) =>
		signed(webhook, `msg_stage_${n}_${crypto.randomUUID()}`, event("order.cancelled", references[n % ORDERS] ?? ""));
	// Each duplicate repeats an event its order already stored (sent once before the measurement).
	const duplicateIds = references.map((_, i) => `msg_stage_dup_${i}_${crypto.randomUUID()}`);
	const kinds: Kind[] = [
		{ name: "bare receiver", origin: "bare", status: 200, make: fresh },
		{
			name: "edge GET /healthz",
			origin: "edge",
			status: 200,
			make: () => ({ method: "GET", path: "/healthz", headers: {} }),
		},
		{
			name: "wrong content type (400)",
			origin: "edge",
			status: 400,
			make: (n) => ({ ...fresh(n), headers: { ...fresh(n).headers, "content-type": "text/plain" } }),
		},
		{
			name: "bad signature (401)",
			origin: "edge",
			status: 401,
			make: (n) => signed(wrongSigner, `msg_bad_${n}`, event("order.cancelled", "X")),
		},
		{
			name: "schema refused (400)",
			origin: "edge",
			status: 400,
			make: (n) => signed(webhook, `msg_schema_${n}`, event("order.lost", references[n % ORDERS] ?? "")),
		},
		{
			name: "unknown order (200, no write)",
			origin: "edge",
			status: 200,
			make: (n) => signed(webhook, `msg_unknown_${n}`, event("order.fulfilled", `UNKNOWN-${n % ORDERS}`)),
		},
		{
			name: "duplicate (200, no write)",
			origin: "edge",
			status: 200,
			make: (n) =>
				signed(webhook, duplicateIds[n % ORDERS] ?? "", event("order.cancelled", references[n % ORDERS] ?? "")),
		},
		{ name: "fresh event: the ack (200, one write)", origin: "edge", status: 200, make: fresh },
	];
	const agent = new Agent({ keepAlive: true, maxSockets: 1 });
	const send = (origin: string, r: ReturnType<Kind["make"]>) =>
		new Promise<{ ms: number; status: number }>((resolve, reject) => {
			const start = performance.now();
			const sent = httpRequest(`${origin}${r.path}`, { method: r.method, headers: r.headers, agent }, (response) => {
				response.resume();
				response.on("end", () => resolve({ ms: performance.now() - start, status: response.statusCode ?? 0 }));
			});
			sent.on("error", reject);
			sent.end(r.body);
		});
	const originOf = (kind: Kind) => (kind.origin === "edge" ? (workers.edge ?? "") : (workers.bare ?? ""));
	for (let i = 0; i < ORDERS; i++) {
		const first = await send(
			workers.edge ?? "",
			signed(webhook, duplicateIds[i] ?? "", event("order.cancelled", references[i] ?? "")),
		);
		if (first.status !== 200) throw new Error(`storing the events the duplicates repeat: ${first.status}`);
	}
	// Warm-up: every kind, a few dozen times.
	for (let n = 0; n < 30; n++) for (const kind of kinds) await send(originOf(kind), kind.make(n));
	const latencies = new Map<string, number[]>(kinds.map((kind) => [kind.name, []]));
	for (let n = 0; n < perKind; n++) {
		for (const kind of kinds) {
			const { ms, status } = await send(originOf(kind), kind.make(n + 1000));
			if (status !== kind.status) throw new Error(`${kind.name}: answered ${status}, expected ${kind.status}`);
			latencies.get(kind.name)?.push(ms);
		}
	}
	// The cold ack: workerd evicts a Durable Object idle for 10 s (production lets an idle one hibernate
	// after 10 s and evicts it after 70–140 s), so an order whose events come minutes apart, as a real
	// order's do, is constructed again (its stored state loaded) for each. Each order here has the
	// events the turns above stored (a real order has a handful); the warm ack right after is its pair.
	await new Promise((resolve) => setTimeout(resolve, COLD_AFTER_MS));
	const cold: number[] = [];
	const warm: number[] = [];
	for (let i = 0; i < ORDERS; i++) {
		for (const into of [cold, warm]) {
			const { ms, status } = await send(workers.edge ?? "", fresh(i));
			if (status !== 200) throw new Error(`a cold order's ack: answered ${status}`);
			into.push(ms);
		}
	}
	agent.destroy();
	latencies.set(`cold order, idle ${COLD_AFTER_MS / 1000} s: its ack`, cold);
	latencies.set("the same order's next ack (warm again)", warm);
	kinds.push(
		{ name: `cold order, idle ${COLD_AFTER_MS / 1000} s: its ack`, origin: "edge", status: 200, make: fresh },
		{ name: "the same order's next ack (warm again)", origin: "edge", status: 200, make: fresh },
	);
	const pct = (values: number[], p: number) => {
		const sorted = [...values].sort((a, b) => a - b);
		return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
	};
	console.log(`\nOne request at a time, ${perKind} of each kind, taking turns (ms, from the client):`);
	console.log(`${"request".padEnd(40)}  ${"p50".padStart(6)}  ${"p90".padStart(6)}  ${"p50 added".padStart(9)}`);
	let previous: number | undefined;
	for (const kind of kinds) {
		const values = latencies.get(kind.name) ?? [];
		const p50 = pct(values, 0.5);
		const added = previous === undefined ? "" : (p50 - previous).toFixed(2);
		console.log(
			`${kind.name.padEnd(40)}  ${p50.toFixed(2).padStart(6)}  ${pct(values, 0.9).toFixed(2).padStart(6)}  ${added.padStart(9)}`,
		);
		previous = p50;
	}
} catch (error) {
	console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
	exitCode = 1;
} finally {
	await stopWorkers();
}
process.exit(exitCode);
