/**
 * What one webhook ack allocates in the edge's isolate, by where: V8's sampling heap profiler (through
 * the inspector of the bench's profiled edge, unminified) while acks are sent four at a time to open
 * checkouts, each allocation charged to the edge's module and line it was made in (or the innermost
 * edge frame above a runtime one). Garbage per ack is what the isolate's collections have to sweep:
 * on workerd they run on the isolate's own thread, and at a fixed rate their pauses are the tail.
 *
 * With `--survivors`, only what outlived a young-generation collection is counted: the objects that
 * reach old space and, once dead, make its full collections (the long pauses) come sooner. With
 * `--live`, only what is still alive at the end (what the acks left in memory).
 *
 *   flock /work/notes/bench.lock sh scripts/with-node.sh node scripts/bench/ack-heap.ts [acks] [--survivors|--live]
 */
import { buildAssets } from "../build-assets.ts";
import { ackSender, openOrders } from "./ack-load.ts";
import { openInspector, placeInModule } from "./inspector.ts";
import { edgeInspector, startWorkers, stopWorkers } from "./workers.ts";

const counted = process.argv.includes("--live") ? "live" : process.argv.includes("--survivors") ? "survivors" : "all";
const acks = Number(process.argv.slice(2).find((a) => !a.startsWith("--")) ?? 2000);
const ORDERS = 200;

interface SamplingNode {
	callFrame: { functionName: string; url: string; scriptId: string; lineNumber: number };
	selfSize: number;
	children: SamplingNode[];
}

buildAssets();
let exitCode = 0;
try {
	const workers = await startWorkers(new Set(["edgeProfiled"]));
	const edge = workers.edgeProfiled ?? "";
	if (!edgeInspector) throw new Error("the profiled edge has no inspector");
	const send = ackSender(edge, await openOrders(edge, ORDERS, "HEAP"));
	await send(400); // warm-up: compiled code, every order's object constructed
	const session = await openInspector(edgeInspector, "flexiti-edge");
	let root: SamplingNode;
	try {
		await session.command("HeapProfiler.enable");
		// Every allocation sampled is counted, collected or not: garbage is what this is about.
		// Survivors: objects a young-generation collection freed are left out; live: any collected.
		await session.command("HeapProfiler.startSampling", {
			samplingInterval: 512,
			includeObjectsCollectedByMajorGC: counted !== "live",
			includeObjectsCollectedByMinorGC: counted === "all",
		});
		await send(acks);
		root = ((await session.command("HeapProfiler.stopSampling")) as { profile: { head: SamplingNode } }).profile.head;
	} finally {
		session.close();
	}
	const bySite = new Map<string, number>();
	let total = 0;
	const walk = (node: SamplingNode, site: string | undefined) => {
		const place = placeInModule(session.modules, node.callFrame);
		const here = place
			? `${node.callFrame.functionName || "(anonymous)"} ${place.module.replace(/^.*node_modules\//, "")} +${place.line}`
			: undefined;
		const charged = here ?? site;
		if (node.selfSize > 0) {
			const name = charged ?? `(runtime) ${node.callFrame.functionName || "(anonymous)"}`;
			bySite.set(name, (bySite.get(name) ?? 0) + node.selfSize);
			total += node.selfSize;
		}
		for (const child of node.children) walk(child, charged);
	};
	walk(root, undefined);
	console.log(
		`\nHeap ${{ all: "allocated", survivors: "that outlived a young-generation collection", live: "still alive at the end" }[counted]} per ack (sampled, ${acks} acks to ${ORDERS} open checkouts): ${(total / acks / 1024).toFixed(1)} KB`,
	);
	console.log("where (the innermost edge frame)                                                  KB/ack   share");
	for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
		console.log(
			`${site.slice(0, 80).padEnd(80)}  ${(bytes / acks / 1024).toFixed(2).padStart(6)}  ${((bytes / total) * 100).toFixed(1).padStart(5)} %`,
		);
	}
} catch (error) {
	console.error(error);
	exitCode = 1;
} finally {
	await stopWorkers();
}
process.exit(exitCode);
