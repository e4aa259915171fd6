/**
 * What garbage collection costs per webhook ack, the edge beside the bare receiver: the same acks are
 * sent to each (four at a time, after a warm-up), with V8's GC trace on (`--trace-gc-nvp`), and every
 * collection in that side's workerd processes is counted. workerd runs a process's isolates on one
 * thread, so each pause, whichever isolate it is in, is a wait for every ack queued behind it.
 *
 * Reported per 1000 acks: young-generation (Scavenge) and full (Mark-Compact) collections and their
 * pauses, and what the busiest isolate's old space and C++ heap grew by between collections. The full
 * collections' length follows the C++ heap (the runtime's objects: requests, responses, stubs), their
 * number follows both. A steadier figure than a p99 for a change meant to cut the pauses.
 *
 *   flock /work/notes/bench.lock sh scripts/with-node.sh node scripts/bench/ack-gc.ts [acks]
 */
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildAssets } from "../build-assets.ts";
import { ackSender, openOrders } from "./ack-load.ts";
import { processesOf, startWorkers, stopWorkers } from "./workers.ts";

const acks = Number(process.argv[2] ?? 8000);

interface Collection {
	pid: number;
	isolate: string;
	kind: "scavenge" | "full";
	pauseMs: number;
	oldBefore: number;
	oldAfter: number;
	cppBefore: number;
	cppAfter: number;
}

// Before any workerd starts: Miniflare passes these flags to workerd, local-worker.ts writes its
// trace lines to the file.
const log = join(process.cwd(), ".cache", `ack-gc-${process.pid}.log`);
process.env.BENCH_GC_LOG = log;
process.env.MINIFLARE_WORKERD_V8_FLAGS = `${process.env.MINIFLARE_WORKERD_V8_FLAGS ?? ""} --trace-gc-nvp`.trim();

buildAssets();
let exitCode = 0;
try {
	const workers = await startWorkers(new Set(["edge", "bare"]));
	const references = await openOrders(workers.edge ?? "", 200, "GC");
	const rows: string[][] = [];
	for (const side of ["edge", "bare"] as const) {
		const send = ackSender(workers[side] ?? "", references);
		await send(1000); // warm-up: compiled code, every order's object constructed
		const from = size(log);
		await send(acks);
		const pids = new Set(processesOf[side] ?? []);
		rows.push(
			summary(
				side,
				collectionsSince(log, from).filter((c) => pids.has(c.pid)),
			),
		);
	}
	const header = [
		"side",
		"scavenges",
		"pause ms",
		"max",
		"full GCs",
		"pause ms",
		"max",
		"old space KB/ack",
		"C++ heap KB/ack",
	];
	console.log(`\nGarbage collection per 1000 acks (${acks} acks per side, 4 at a time, 200 open checkouts):`);
	for (const row of [header, ...rows])
		console.log(
			row.map((cell, i) => (i === 0 ? cell.padEnd(6) : cell.padStart(i === 7 || i === 8 ? 16 : 9))).join("  "),
		);
} catch (error) {
	console.error(error);
	exitCode = 1;
} finally {
	await stopWorkers();
	rmSync(log, { force: true });
}
process.exit(exitCode);

function size(file: string): number {
	try {
		return statSync(file).size;
	} catch {
		return 0;
	}
}

/** V8's `--trace-gc-nvp` lines (`[pid:isolate:n]   123 ms: GC: {…}`) written after byte `from`. */
function collectionsSince(file: string, from: number): Collection[] {
	const text = readFileSync(file).subarray(from).toString("utf8");
	const collections: Collection[] = [];
	for (const line of text.split("\n")) {
		const match = /^\[(\d+):(0x[0-9a-f]+)(?::\d+)?\]\s+[\d.]+ ms: GC: (\{.*\})\s*$/.exec(line);
		if (!match) continue;
		const gc = JSON.parse(match[3] ?? "{}");
		collections.push({
			pid: Number(match[1]),
			isolate: match[2] ?? "",
			kind: gc.gc === "s" ? "scavenge" : "full",
			pauseMs: gc.pause,
			oldBefore: gc.start_old_gen_consumed_size,
			oldAfter: gc.end_old_gen_consumed_size,
			cppBefore: gc.start_global_consumed_size - gc.start_old_gen_consumed_size,
			cppAfter: gc.end_global_consumed_size - gc.end_old_gen_consumed_size,
		});
	}
	return collections;
}

function summary(side: string, collections: Collection[]): string[] {
	const per1000 = (n: number) => ((n * 1000) / acks).toFixed(1);
	const of = (kind: Collection["kind"]) => collections.filter((c) => c.kind === kind);
	const pauses = (list: Collection[]) => list.reduce((sum, c) => sum + c.pauseMs, 0);
	const longest = (list: Collection[]) => Math.max(0, ...list.map((c) => c.pauseMs)).toFixed(0);
	// The isolate that collected most is the Worker's own (the others are Miniflare's, in front of it).
	const counts = new Map<string, number>();
	for (const c of collections) counts.set(c.isolate, (counts.get(c.isolate) ?? 0) + 1);
	const busiest = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
	let oldGrowth = 0;
	let cppGrowth = 0;
	let previous: Collection | undefined;
	for (const c of collections.filter((c) => c.isolate === busiest)) {
		if (previous) {
			oldGrowth += Math.max(0, c.oldBefore - previous.oldAfter);
			cppGrowth += Math.max(0, c.cppBefore - previous.cppAfter);
		}
		previous = c;
	}
	return [
		side,
		per1000(of("scavenge").length),
		per1000(pauses(of("scavenge"))),
		longest(of("scavenge")),
		per1000(of("full").length),
		per1000(pauses(of("full"))),
		longest(of("full")),
		(oldGrowth / acks / 1024).toFixed(2),
		(cppGrowth / acks / 1024).toFixed(2),
	];
}
