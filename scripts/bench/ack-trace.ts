/**
 * Where a webhook ack's slow answers come from. Starts the edge and the bare receiver as the bench
 * does (200 open orders), loads them open-loop at a fixed rate from a process of its own, one run at a
 * time in the order a pattern says, and traces every request (when it was due, sent, answered) while a
 * third process samples, every 5 ms, the machine's CPU (/proc/stat), each bench process's CPU and the
 * kernel's TCP loss-probe and retransmission counters. Then, per run: the latency of its first 300 ms
 * against the rest, each process's CPU per request, how busy the machine was and how much of that was
 * other work; and every window of answers slower than the threshold with what the CPU did meanwhile.
 *
 *   flock /work/notes/bench.lock sh scripts/with-node.sh node scripts/bench/ack-trace.ts [rate] [seconds] [pattern] [slow ms]
 *   pattern: E an edge run, B a bare run, . a second of nothing (default EBBEEBBE: the bench's ABBA rounds)
 * The raw trace and samples are left in .cache/ack-trace.json.
 */
import { fork } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { Webhook } from "standardwebhooks";

/** Wall-clock ms with sub-ms precision, comparable across the three processes. */
const now = () => performance.timeOrigin + performance.now();

interface LoadJob {
	origin: string;
	rate: number;
	seconds: number;
	secret: string;
	references: string[];
}
/** One request: when it was due, sent and answered (ms, wall clock), and its status. */
type Traced = [due: number, sent: number, answered: number, status: number];
/** One garbage collection of the bench host: when (ms, wall clock), how long, and whether full. */
interface HostGc {
	at: number;
	ms: number;
	major: boolean;
}
/** One sample: time, the machine's busy and total ticks, each watched process's ticks, TCP counters. */
interface Sample {
	at: number;
	busy: number;
	total: number;
	processes: number[];
	lossProbes: number;
	retransmits: number;
}

const mode = process.argv[2];
if (mode === "--load" || mode === "--sample") process.on("disconnect", () => process.exit(0));
if (mode === "--load") process.on("message", async (job: LoadJob) => process.send?.(await tracedLoad(job)));
else if (mode === "--sample") sampleUntilAsked((process.argv[3] ?? "").split(",").map(Number));
else await main();

/** The bench's fixed-rate load (load.ts `loadAtRate`), each request traced. */
async function tracedLoad(job: LoadJob): Promise<Traced[]> {
	const webhook = new Webhook(job.secret);
	const agent = new Agent({ keepAlive: true, maxSockets: 64 });
	const traced: Traced[] = [];
	const start = now();
	const inFlight: Promise<void>[] = [];
	for (let i = 0; i < Math.round(job.rate * job.seconds); i++) {
		const due = start + (i * 1000) / job.rate;
		const wait = due - now();
		if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
		const id = `msg_trace_${i}_${Math.random().toString(36).slice(2)}`;
		const at = new Date();
		const reference = job.references[i % job.references.length] ?? "";
		const body = JSON.stringify({ type: "order.cancelled", timestamp: at.toISOString(), data: { reference } });
		const headers = {
			"content-type": "application/json",
			"webhook-id": id,
			"webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
			"webhook-signature": webhook.sign(id, at, body),
		};
		const sent = now();
		inFlight.push(
			new Promise<void>((resolve) => {
				const request = httpRequest(
					`${job.origin}/v1/webhooks/standard`,
					{ method: "POST", headers, agent },
					(response) => {
						response.resume();
						response.on("end", () => {
							traced.push([due, sent, now(), response.statusCode ?? 0]);
							resolve();
						});
					},
				);
				request.on("error", () => {
					traced.push([due, sent, now(), -1]);
					resolve();
				});
				request.end(body);
			}),
		);
	}
	await Promise.all(inFlight);
	agent.destroy();
	return traced;
}

/** Samples every 5 ms until the parent asks, then writes the samples where it said and answers. */
function sampleUntilAsked(pids: number[]): void {
	const samples: Sample[] = [];
	const ticksOf = (pid: number) => {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			return Number(fields[11]) + Number(fields[12]);
		} catch {
			return 0;
		}
	};
	const counter = (file: string, prefix: string, name: string) => {
		const lines = readFileSync(file, "utf8")
			.split("\n")
			.filter((line) => line.startsWith(prefix));
		const names = (lines[0] ?? "").split(" ");
		return Number((lines[1] ?? "").split(" ")[names.indexOf(name)]);
	};
	const timer = setInterval(() => {
		const cpu = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
		const total = cpu.reduce((sum, ticks) => sum + ticks, 0);
		samples.push({
			at: now(),
			busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0),
			total,
			processes: pids.map(ticksOf),
			lossProbes: counter("/proc/net/netstat", "TcpExt:", "TCPLossProbes"),
			retransmits: counter("/proc/net/snmp", "Tcp:", "RetransSegs"),
		});
	}, 5);
	process.on("message", (file: string) => {
		clearInterval(timer);
		writeFileSync(file, JSON.stringify(samples));
		process.send?.("written");
	});
}

async function main(): Promise<void> {
	const { startWorkers, stopWorkers, processesOf, localSettings } = await import("./workers.ts");
	const { buildAssets } = await import("../build-assets.ts");
	const { openOrders } = await import("./ack-load.ts");
	const rate = Number(process.argv[2] ?? 200);
	const seconds = Number(process.argv[3] ?? 3);
	const pattern = process.argv[4] ?? "EBBEEBBE";
	const slowMs = Number(process.argv[5] ?? 25);
	buildAssets();
	// The bench host's garbage collections (this process hosts Wrangler, which reads every log line of
	// every Worker): when each began, how long it took, and whether it was a full (major) one.
	const hostGcs: HostGc[] = [];
	const gcObserver = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) {
			const detail: unknown = Reflect.get(entry, "detail");
			const kind = typeof detail === "object" && detail !== null ? Reflect.get(detail, "kind") : undefined;
			hostGcs.push({
				at: performance.timeOrigin + entry.startTime,
				ms: entry.duration,
				major: kind === constants.NODE_PERFORMANCE_GC_MAJOR,
			});
		}
	});
	gcObserver.observe({ entryTypes: ["gc"] });
	try {
		const workers = await startWorkers(new Set(["edge", "bare"]));
		const references = await openOrders(workers.edge ?? "", 200, "TRACE");
		const secret = (localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "";
		const loader = fork(new URL(import.meta.url), ["--load"]);
		const watched: [string, number][] = [
			...(processesOf.edge ?? []).map((pid, n): [string, number] => [`edge workerd ${n + 1}`, pid]),
			...(processesOf.bare ?? []).map((pid, n): [string, number] => [`bare workerd ${n + 1}`, pid]),
			["bench host", process.pid],
			["load generator", loader.pid ?? 0],
		];
		const sampler = fork(new URL(import.meta.url), ["--sample", watched.map(([, pid]) => pid).join(",")]);
		const load = (side: "edge" | "bare", secs: number) =>
			new Promise<Traced[]>((resolve) => {
				loader.once("message", (traced: Traced[]) => resolve(traced));
				loader.send({ origin: workers[side] ?? "", rate, seconds: secs, secret, references } satisfies LoadJob);
			});
		await load("edge", 2); // warm-up, as the bench's
		await load("bare", 2);
		const runs: { side: "edge" | "bare"; traced: Traced[] }[] = [];
		for (const step of pattern) {
			if (step === ".") await new Promise((resolve) => setTimeout(resolve, 1000));
			else {
				const side = step === "E" ? "edge" : "bare";
				runs.push({ side, traced: await load(side, seconds) });
			}
		}
		const samplesFile = ".cache/ack-trace-samples.json";
		await new Promise((resolve) => {
			sampler.once("message", resolve);
			sampler.send(samplesFile);
		});
		loader.kill();
		sampler.kill();
		const samples: Sample[] = JSON.parse(readFileSync(samplesFile, "utf8"));
		writeFileSync(".cache/ack-trace.json", JSON.stringify({ rate, watched, runs, samples }));
		gcObserver.disconnect();
		report(runs, samples, watched, slowMs, hostGcs);
	} finally {
		await stopWorkers();
	}
	process.exit(0);
}

function report(
	runs: { side: string; traced: Traced[] }[],
	samples: Sample[],
	watched: [string, number][],
	slowMs: number,
	hostGcs: HostGc[],
) {
	const ms = (ticks: number) => ticks * 10; // USER_HZ 100
	const between = (from: number, to: number) => {
		const first = samples.find((s) => s.at >= from);
		const last = samples.findLast((s) => s.at <= to);
		if (!first || !last || last === first) return undefined;
		const total = last.total - first.total;
		const own = last.processes.reduce((sum, ticks, i) => sum + ticks - (first.processes[i] ?? 0), 0);
		return {
			busyShare: (last.busy - first.busy) / total,
			otherShare: Math.max(0, last.busy - first.busy - own) / total,
			processMs: last.processes.map((ticks, i) => ms(ticks - (first.processes[i] ?? 0))),
			lossProbes: last.lossProbes - first.lossProbes,
			retransmits: last.retransmits - first.retransmits,
		};
	};
	const percent = (share: number) => `${(100 * share).toFixed(0)} %`;
	for (const [n, { side, traced }] of runs.entries()) {
		const sorted = [...traced].sort((a, b) => a[0] - b[0]);
		const start = sorted[0]?.[0] ?? 0;
		const latency = (r: Traced) => r[2] - r[0];
		const head = sorted.filter((r) => r[0] - start < 300).map(latency);
		const rest = sorted.filter((r) => r[0] - start >= 300).map(latency);
		const cpu = between(start, Math.max(...sorted.map((r) => r[2])));
		console.log(
			`\nrun ${n + 1}, ${side}: ${traced.length} requests, p50 ${pct(sorted.map(latency), 0.5)} p99 ${pct(sorted.map(latency), 0.99)} ms;` +
				` first 300 ms p50 ${pct(head, 0.5)} max ${Math.max(...head).toFixed(1)}, after p50 ${pct(rest, 0.5)} p99 ${pct(rest, 0.99)};` +
				` late sends ${sorted.filter((r) => r[1] - r[0] > 10).length}`,
		);
		const gcsIn = (from: number, to: number) => hostGcs.filter((gc) => gc.at + gc.ms >= from && gc.at <= to);
		const gcText = (gcs: HostGc[]) =>
			`host GC ${gcs.length} (${gcs.filter((gc) => gc.major).length} major), ${gcs.reduce((sum, gc) => sum + gc.ms, 0).toFixed(0)} ms, longest ${Math.max(0, ...gcs.map((gc) => gc.ms)).toFixed(0)} ms`;
		console.log(`  ${gcText(gcsIn(start, Math.max(...sorted.map((r) => r[2]))))}`);
		if (cpu) {
			console.log(
				`  machine busy ${percent(cpu.busyShare)}, other processes ${percent(cpu.otherShare)}; CPU ms per request: ` +
					watched
						.map(([name], i) => [name, (cpu.processMs[i] ?? 0) / traced.length] as const)
						.filter(([, perRequest]) => perRequest > 0.01)
						.map(([name, perRequest]) => `${name} ${perRequest.toFixed(2)}`)
						.join(", ") +
					`; TCP loss probes ${cpu.lossProbes}, retransmits ${cpu.retransmits}`,
			);
		}
		const windows: { from: number; to: number; latencies: number[] }[] = [];
		for (const r of sorted.filter((r) => latency(r) > slowMs)) {
			const last = windows.at(-1);
			if (last && r[0] - last.to < 20) {
				last.to = Math.max(last.to, r[2]);
				last.latencies.push(latency(r));
			} else windows.push({ from: r[0], to: r[2], latencies: [latency(r)] });
		}
		for (const w of windows) {
			const during = between(w.from, w.to);
			console.log(
				`  @${(w.from - start).toFixed(0)} ms, ${(w.to - w.from).toFixed(0)} ms long: ${w.latencies.length} answers > ${slowMs} ms (max ${Math.max(...w.latencies).toFixed(0)})` +
					(during
						? `; machine busy ${percent(during.busyShare)}, others ${percent(during.otherShare)}; CPU ms ` +
							watched.map(([name], i) => `${name} ${during.processMs[i] ?? 0}`).join(", ")
						: "") +
					`; ${gcText(gcsIn(w.from, w.to))}`,
			);
		}
	}
}

/** Nearest-rank percentile, to one decimal. */
function pct(values: number[], p: number): string {
	const sorted = [...values].sort((a, b) => a - b);
	return (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN).toFixed(1);
}
