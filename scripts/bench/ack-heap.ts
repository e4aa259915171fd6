/**
 * What one webhook ack allocates in the edge's isolate, by where: V8's sampling heap profiler (through
 * the inspector of the bench's profiled edge, unminified) while acks are sent four at a time to open
 * checkouts, each allocation charged to the edge's module and line it was made in (or the innermost
 * edge frame above a runtime one). Garbage per ack is what the isolate's collections have to sweep:
 * on workerd they run on the isolate's own thread, and at a fixed rate their pauses are the tail.
 *
 *   flock /work/notes/bench.lock sh scripts/with-node.sh node scripts/bench/ack-heap.ts [acks]
 */
import { Webhook } from "standardwebhooks";
import { buildAssets } from "../build-assets.ts";
import { openInspector, placeInModule } from "./inspector.ts";
import { signedOrderCancel } from "./scenarios.ts";
import { edgeInspector, localSettings, startWorkers, stopWorkers } from "./workers.ts";

const acks = Number(process.argv[2] ?? 2000);
const ORDERS = 200;
const MERCHANT_KEY = "fe_local_merchant_key_not_for_production";

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
	const webhook = new Webhook((localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "");
	const references: string[] = [];
	for (let i = 0; i < ORDERS; i++) {
		const reference = `HEAP-${i}-${crypto.randomUUID().slice(0, 6)}`;
		const opened = await fetch(`${edge}/v1/checkouts`, {
			method: "POST",
			headers: { authorization: `Bearer ${MERCHANT_KEY}`, "content-type": "application/json" },
			body: JSON.stringify({ reference, amount: 10 }),
		});
		if (!opened.ok) throw new Error(`opening a checkout: ${opened.status}`);
		references.push(reference);
	}
	const ack = async (n: number) => {
		const id = `msg_heap_${n}_${crypto.randomUUID()}`;
		const signed = signedOrderCancel(webhook, id, references[n % ORDERS] ?? "");
		const answer = await fetch(`${edge}/v1/webhooks/standard`, { method: "POST", ...signed });
		await answer.arrayBuffer();
		if (answer.status !== 200) throw new Error(`ack ${n}: ${answer.status}`);
	};
	const sendAll = async (count: number, offset: number) => {
		let next = 0;
		await Promise.all(
			Array.from({ length: 4 }, async () => {
				while (next < count) await ack(offset + next++);
			}),
		);
	};
	await sendAll(400, 0); // warm-up: compiled code, every order's object constructed
	const session = await openInspector(edgeInspector, "flexiti-edge");
	let root: SamplingNode;
	try {
		await session.command("HeapProfiler.enable");
		// Every allocation sampled is counted, collected or not: garbage is what this is about.
		await session.command("HeapProfiler.startSampling", {
			samplingInterval: 512,
			includeObjectsCollectedByMajorGC: true,
			includeObjectsCollectedByMinorGC: true,
		});
		await sendAll(acks, 400);
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
		`\nHeap allocated per ack (sampled, ${acks} acks to ${ORDERS} open checkouts): ${(total / acks / 1024).toFixed(1)} KB`,
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
