/**
 * The bench's results: a table for the terminal, the targets of the issue with PASS/MISS, and the
 * same data as JSON (.cache/bench-results.json) for anything that wants to compare runs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname } from "node:path";
import type { BundleSize } from "./bundle.ts";
import { LATE_MS, type LoadResult, type LoadSettings } from "./load.ts";
import type { ProfileBreakdown } from "./profile.ts";
import type { Scenario } from "./scenarios.ts";

export type Scope = NonNullable<Scenario["scope"]>;

/** CPU ms per request of each side's workerd processes, and the edge's extra (null where not measurable). */
export type CpuPerRequest = { edgeMs: number; baselineMs: number; addedMs: number } | null;

export interface ScenarioResult {
	name: string;
	scope: Scope | null;
	targets: Scenario["targets"];
	edge: LoadResult;
	passthrough: LoadResult;
	/** Edge requests/s ÷ pass-through requests/s: 1 means the edge costs nothing. */
	throughputRatio: number;
	/** Edge p99 ÷ pass-through p99: 1 means the edge adds no tail latency. */
	p99Ratio: number;
	/** The same two ratios in each round (edge run ÷ baseline run of that round): their spread shows the noise. */
	rounds: { throughput: number[]; p99: number[] };
	/** CPU ms per request of each side's workerd processes, and the edge's extra. */
	cpu: CpuPerRequest;
	/** CPU ms per request of the bench's own process (the one hosting Wrangler) while each side ran:
	 * dev machinery outside workerd, which shares the machine's cores (a Worker's log lines pass
	 * through it). Not part of the added CPU; shown so that a side's dev-only cost is seen. */
	host: { edgeMs: number; baselineMs: number };
	/** BENCH_PERF=1: each side's workerd CPU per request by kind of native code (native-profile.ts). */
	native?: { edgeMs: Record<string, number>; baselineMs: Record<string, number> };
	/**
	 * Scenarios with a fixed-rate target only: both sides loaded open-loop at the same `rate` (requests/s),
	 * latency timed from when each request was due; the p99 ratio overall and per round, and CPU per request.
	 */
	fixedRate?: {
		rate: number;
		edge: LoadResult;
		baseline: LoadResult;
		/** The median of the rounds' p99 ratios (the judged figure), and the ratio of the pooled p99s. */
		p99Ratio: number;
		pooledP99Ratio: number;
		roundsP99: number[];
		/** Each side's p99 (ms) in each round, in order: which side's pauses set a round's ratio. */
		roundsP99Ms: { edge: number[]; baseline: number[] };
		cpu: CpuPerRequest;
		/** Each side's runs in order: the share of the machine's CPU that processes outside the bench took
		 * meanwhile. Their work shares the cores, so a side's tail in a run where it is high is partly theirs. */
		otherCpuShare?: { edge: number[]; baseline: number[] };
	};
}

export interface TokenCalls {
	/** createToken calls at the sandbox during the measured edge runs (after warm-up)… */
	calls: number;
	/** …over this many measured edge requests of this scope. */
	requests: number;
	per10k: number;
	/** Calls before the measured runs (the first token of the isolate or checkout: preflight, warm-up). */
	coldCalls: number;
}

export interface Target {
	name: string;
	value: number;
	limit: string;
	pass: boolean;
}

export interface BenchResults {
	date: string;
	machine: { cpus: number; cpuModel: string; node: string };
	settings: LoadSettings;
	scenarios: ScenarioResult[];
	tokenCalls: Record<Scope, TokenCalls>;
	bundle: BundleSize & { gzipKiB: number };
	/** The storefront SDK as the edge serves it (scripts/build-storefront.ts): one minified file. */
	storefront: { path: string; bytes: number; gzipBytes: number; gzipKiB: number };
	/** Where the edge's CPU time goes (profiles of the edge in front of the fast upstream, one per
	 * profiled scenario), the requests it served while profiled, and its workerd processes' CPU per
	 * request meanwhile. */
	profiles: (ProfileBreakdown & { scenario: string; requests: number; cpuMsPerRequest: number | null })[];
	targets: Target[];
	/** Wall-clock seconds the whole bench took. */
	seconds: number;
}

export function compile(
	settings: LoadSettings,
	scenarios: ScenarioResult[],
	tokenCalls: Record<Scope, TokenCalls>,
	bundle: BundleSize,
	storefront: { path: string; bytes: number; gzipBytes: number },
	profiles: BenchResults["profiles"],
	seconds: number,
): BenchResults {
	const gzipKiB = bundle.gzipBytes / 1024;
	const storefrontKiB = storefront.gzipBytes / 1024;
	const targets: Target[] = [
		...scenarios.flatMap((s) => {
			const { throughput, p99, addedCpuMs, fixedRateP99 } = s.targets;
			return [
				...(throughput !== undefined
					? [
							{
								name: `${s.name}: throughput`,
								value: s.throughputRatio,
								limit: `≥ ${throughput}×`,
								pass: s.throughputRatio >= throughput,
							},
						]
					: []),
				...(p99 !== undefined
					? [{ name: `${s.name}: p99`, value: s.p99Ratio, limit: `≤ ${p99}×`, pass: s.p99Ratio <= p99 }]
					: []),
				...(fixedRateP99 !== undefined
					? [
							{
								name: `${s.name}: p99 at a fixed ${s.fixedRate?.rate ?? "?"} requests/s (median of ${s.fixedRate?.roundsP99.length ?? 0} rounds)`,
								value: s.fixedRate?.p99Ratio ?? Number.NaN,
								limit: `≤ ${fixedRateP99}×`,
								pass: s.fixedRate !== undefined && s.fixedRate.p99Ratio <= fixedRateP99,
							},
						]
					: []),
				...(addedCpuMs !== undefined
					? [
							{
								name: `${s.name}: added CPU ms/request`,
								value: s.cpu?.addedMs ?? Number.NaN,
								limit: `≤ ${addedCpuMs}`,
								pass: s.cpu !== null && s.cpu.addedMs <= addedCpuMs,
							},
						]
					: []),
			];
		}),
		...Object.entries(tokenCalls).map(([scope, t]) => ({
			name: `token calls per 10k ${scope}-scope requests`,
			value: t.per10k,
			limit: "≤ 2",
			pass: t.per10k <= 2,
		})),
		{ name: "edge bundle, gzipped (KiB)", value: gzipKiB, limit: "≤ 100", pass: gzipKiB <= 100 },
		{ name: "storefront SDK, gzipped (KiB)", value: storefrontKiB, limit: "≤ 8", pass: storefrontKiB <= 8 },
	];
	return {
		date: new Date().toISOString(),
		machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? "unknown", node: process.version },
		settings,
		scenarios,
		tokenCalls,
		bundle: { ...bundle, gzipKiB },
		storefront: {
			path: storefront.path,
			bytes: storefront.bytes,
			gzipBytes: storefront.gzipBytes,
			gzipKiB: storefrontKiB,
		},
		profiles,
		targets,
		seconds,
	};
}

export function print(results: BenchResults): void {
	const { machine, settings } = results;
	console.log(
		`\n${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}; ${settings.connections} connections; per scenario and side ${settings.durationSeconds} s measured in ${settings.rounds} alternating runs, after ${settings.warmupSeconds} s warm-up\n`,
	);
	const rows = results.scenarios.map((s) => [
		s.name,
		fixed(s.edge.requestsPerSecond, 0),
		fixed(s.passthrough.requestsPerSecond, 0),
		`${fixed(s.throughputRatio, 2)}× (${spread(s.rounds.throughput)})`,
		`${fixed(s.edge.p50Ms, 1)} / ${fixed(s.passthrough.p50Ms, 1)}`,
		`${fixed(s.edge.p99Ms, 1)} / ${fixed(s.passthrough.p99Ms, 1)}`,
		`${fixed(s.p99Ratio, 2)}× (${spread(s.rounds.p99)})`,
		s.cpu ? `${fixed(s.cpu.edgeMs, 2)} / ${fixed(s.cpu.baselineMs, 2)} (+${fixed(s.cpu.addedMs, 2)})` : "n/a",
		`${fixed(s.host.edgeMs, 2)} / ${fixed(s.host.baselineMs, 2)}`,
		`${s.edge.errors + s.edge.non2xx} / ${s.passthrough.errors + s.passthrough.non2xx}`,
	]);
	table(
		[
			"scenario",
			"edge req/s",
			"baseline req/s",
			"tput ratio (rounds)",
			"p50 ms edge/base",
			"p99 ms edge/base",
			"p99 ratio (rounds)",
			"CPU ms/req edge/base (added)",
			"host ms/req edge/base",
			"errors+non2xx",
		],
		rows,
	);
	const fixedRates = results.scenarios.flatMap((s) => (s.fixedRate ? [{ name: s.name, ...s.fixedRate }] : []));
	if (fixedRates.length > 0) {
		console.log(
			`\nAt a fixed rate (open loop, the same rate for both sides: ${settings.fixedRatePercent} % of the slower side's throughput above; latency timed from when each request was due):`,
		);
		table(
			[
				"scenario",
				"requests/s each",
				"answered/s edge/base",
				"p50 ms edge/base",
				"p99 ms edge/base",
				"p99 ratio: rounds' median (min–max); pooled",
				"CPU ms/req edge/base (added)",
				`sent >${LATE_MS} ms late edge/base`,
				"other processes' CPU % edge/base (max run)",
				"errors+non2xx",
			],
			fixedRates.map((f) => [
				f.name,
				String(f.rate),
				`${fixed(f.edge.requestsPerSecond, 0)} / ${fixed(f.baseline.requestsPerSecond, 0)}`,
				`${fixed(f.edge.p50Ms, 1)} / ${fixed(f.baseline.p50Ms, 1)}`,
				`${fixed(f.edge.p99Ms, 1)} / ${fixed(f.baseline.p99Ms, 1)}`,
				`${fixed(f.p99Ratio, 2)}× (${spread(f.roundsP99)}); ${fixed(f.pooledP99Ratio, 2)}×`,
				f.cpu ? `${fixed(f.cpu.edgeMs, 2)} / ${fixed(f.cpu.baselineMs, 2)} (+${fixed(f.cpu.addedMs, 2)})` : "n/a",
				`${f.edge.lateSends} / ${f.baseline.lateSends}`,
				f.otherCpuShare ? `${otherCpu(f.otherCpuShare.edge)} / ${otherCpu(f.otherCpuShare.baseline)}` : "n/a",
				`${f.edge.errors + f.edge.non2xx} / ${f.baseline.errors + f.baseline.non2xx}`,
			]),
		);
		// The rate comes from the closed loops just before; a machine that got busier since may not carry
		// it, and then the open loop measures a growing queue, not an ack.
		for (const f of fixedRates) {
			const short = (["edge", "baseline"] as const).filter((side) => f[side].requestsPerSecond < 0.95 * f.rate);
			if (short.length > 0) {
				console.warn(
					`  note: ${f.name}: the ${short.join(" and ")} answered fewer than 95 % of ${f.rate} requests/s: the machine did not carry the rate, so these latencies are a queue`,
				);
			}
		}
	}
	console.log("\nUpstream token calls (createToken at the sandbox) during the measured edge runs:");
	table(
		["scope", "calls", "edge requests", "per 10k", "cold (preflight+warm-up)"],
		Object.entries(results.tokenCalls).map(([scope, t]) => [
			scope,
			String(t.calls),
			String(t.requests),
			fixed(t.per10k, 2),
			String(t.coldCalls),
		]),
	);
	const { bundle, storefront } = results;
	console.log(
		`\nEdge bundle (${bundle.files.join(", ")}): ${fixed(bundle.bytes / 1024, 1)} KiB, ${fixed(bundle.gzipKiB, 1)} KiB gzipped`,
	);
	console.log(
		`Storefront SDK (${storefront.path}): ${fixed(storefront.bytes / 1024, 1)} KiB, ${fixed(storefront.gzipKiB, 2)} KiB gzipped\n`,
	);
	for (const { name, native } of results.scenarios) {
		if (!native) continue;
		const kinds = [...new Set([...Object.keys(native.edgeMs), ...Object.keys(native.baselineMs)])];
		const added = (kind: string) => (native.edgeMs[kind] ?? 0) - (native.baselineMs[kind] ?? 0);
		const sum = (ms: Record<string, number>) => Object.values(ms).reduce((a, b) => a + b, 0);
		console.log(`\nworkerd's native CPU per request by kind of code (${name}; perf, BENCH_PERF=1):`);
		table(
			["kind of native code", "edge ms/req", "baseline ms/req", "added"],
			[
				...kinds
					.sort((a, b) => added(b) - added(a))
					.map((kind) => [
						kind,
						fixed(native.edgeMs[kind] ?? 0, 3),
						fixed(native.baselineMs[kind] ?? 0, 3),
						signed(added(kind)),
					]),
				[
					"all",
					fixed(sum(native.edgeMs), 3),
					fixed(sum(native.baselineMs), 3),
					signed(sum(native.edgeMs) - sum(native.baselineMs)),
				],
			],
		);
	}
	for (const { scenario, samples, requests, cpuMsPerRequest, stages, top } of results.profiles) {
		// The profiled edge has an inspector, which slows it: its CPU per request is for comparing its
		// stages and profiles of one run, not with the measured CPU per request above.
		const perRequest = (share: number) => (cpuMsPerRequest === null ? "n/a" : fixed(share * cpuMsPerRequest, 3));
		console.log(
			`\nWhere the edge's CPU goes (${scenario}; ${samples} busy samples of its isolate over ${requests} requests; ` +
				`its workerd processes used ${perRequest(1)} ms of CPU per request, inspector attached):`,
		);
		table(
			["stage", "share of samples", "≈ CPU ms/request"],
			stages.map((s) => [s.stage, `${fixed(s.share * 100, 1)} %`, perRequest(s.share)]),
		);
		console.log("");
		table(
			["function (self time)", "share of samples", "≈ CPU ms/request"],
			top.map((f) => [f.name, `${fixed(f.share * 100, 1)} %`, perRequest(f.share)]),
		);
	}
	console.log(`\nThe bench took ${fixed(results.seconds / 60, 1)} minutes.\n`);
	table(
		["target", "value", "limit", ""],
		results.targets.map((t) => [t.name, fixed(t.value, 2), t.limit, t.pass ? "PASS" : "MISS"]),
	);
}

export function save(results: BenchResults, file: string): void {
	mkdirSync(dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(results, null, "\t")}\n`);
	console.log(`\nWrote ${file}`);
}

function table(header: string[], rows: string[][]): void {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
	const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
	console.log(line(header));
	console.log(line(widths.map((w) => "-".repeat(w))));
	for (const row of rows) console.log(line(row));
}

/** min–max of the per-round ratios. */
const spread = (values: number[]) =>
	values.length ? `${fixed(Math.min(...values), 2)}–${fixed(Math.max(...values), 2)}` : "n/a";

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a");

const signed = (value: number) => `${value >= 0 ? "+" : ""}${fixed(value, 3)}`;

/** The share of the machine's CPU other processes took over a side's runs, in %, and in its busiest run. */
const otherCpu = (shares: number[]) =>
	shares.length
		? `${fixed((100 * shares.reduce((sum, share) => sum + share, 0)) / shares.length, 0)} (${fixed(100 * Math.max(...shares), 0)})`
		: "n/a";
