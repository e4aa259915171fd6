/**
 * `npm run bench`: what the edge costs compared with a Worker that only relays.
 *
 * Starts the local Flexiti sandbox and a fast stub upstream (the spec's examples, answered at once),
 * an edge and a bare pass-through Worker in front of each, and a bare webhook receiver, each on an
 * ephemeral loopback port with in-memory state; loads edge and baseline with the same requests
 * (scripts/bench/scenarios.ts) from a load generator in its own process, one run at a time; reads
 * each side's workerd CPU time per request; profiles the edge in front of the fast upstream; counts
 * the token calls the edge makes upstream; measures the gzipped edge bundle and storefront SDK; prints the table and the
 * issues' targets, and writes them to .cache/bench-results.json. Errors or non-2xx answers under load,
 * and any missed target, make it exit 1.
 *
 * Arguments (or BENCH_SCENARIOS, comma-separated) choose scenarios by part of their name, and only
 * their Workers start: `npm run bench -- "fast upstream"`, `npm run bench -- webhook`. BENCH_DURATION
 * (measured seconds per side and scenario, default 12), BENCH_ROUNDS (the runs those seconds are split
 * into, alternating sides, default 4), BENCH_CONNECTIONS (default 10), BENCH_WARMUP (s per side and
 * scenario, default 2), BENCH_PROFILE (which scenarios to profile, see below; 0: none),
 * BENCH_FIXED_RATE_PERCENT (the open-loop rate of a scenario with a fixed-rate target, as a share of the
 * slower side's closed-loop throughput; default 50) change the run; the defaults take under five
 * minutes on two cores (7 scenarios). Every Worker is reached at its own address, past Wrangler's dev
 * proxy (scripts/local-worker.ts, `direct`); BENCH_VIA_PROXY=1 goes through the proxy, as sessions
 * before 9 measured.
 */
import { LOCAL_MERCHANT_KEY, openOrders } from "./bench/ack-load.ts";
import { edgeBundleSize } from "./bench/bundle.ts";
import { type LoadResult, type LoadSettings, p99RatioOfPairs, preflight, type Run, summarize } from "./bench/load.ts";
import { loadInOwnProcess, stopLoader } from "./bench/load-client.ts";
import { type NativeRecording, perfAvailable, perRequestMs, recordNative } from "./bench/native-profile.ts";
import { cpuMeasurable, cpuMs, machineCpuMs } from "./bench/process-cpu.ts";
import { profileWhile } from "./bench/profile.ts";
import { promoPasses } from "./bench/promo.ts";
import {
	type BenchResults,
	compile,
	print,
	type ScenarioResult,
	type Scope,
	save,
	type TokenCalls,
} from "./bench/report.ts";
import { type Credentials, type LoadRequest, type Scenario, scenarios, selectScenarios } from "./bench/scenarios.ts";
import {
	type BenchWorker,
	type BenchWorkers,
	edgeInspector,
	localSettings,
	processesOf,
	startWorkers,
	stopWorkers,
} from "./bench/workers.ts";
import { buildAssets } from "./build-assets.ts";
import { buildStorefront } from "./build-storefront.ts";

const RESULTS_FILE = ".cache/bench-results.json";
/** Each profile's raw samples, beside the results: `.cache/bench-profile-merchant-get-captures-fast-upstream.cpuprofile`. */
const profileFile = (scenario: string) => `.cache/bench-profile-${slug(scenario)}.cpuprofile`;
/** A side's perf recording, beside the results: `.cache/bench-perf-merchant-get-captures-fast-upstream-edge.data`. */
const nativeProfileFile = (scenario: string, side: string) => `.cache/bench-perf-${slug(scenario)}-${side}.data`;
/** A scenario's name as a file name's part: `merchant-get-captures-fast-upstream`. */
function slug(scenario: string): string {
	return scenario
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-|-$/g, "");
}
const CLIENT = "flexitidemo";
/** Sandbox calls made before any measurement: the sandbox keeps the last 1000 calls, and its work per
 * call grows until that log is full, so every measured run should find it full. */
const PRIMING_REQUESTS = 1200;
/** Orders the webhook scenario spreads its events over (a real shop's events go to many orders). */
const WEBHOOK_ORDERS = 200;

const settings: LoadSettings = {
	durationSeconds: positive("BENCH_DURATION", 12),
	rounds: positive("BENCH_ROUNDS", 4),
	connections: positive("BENCH_CONNECTIONS", 10),
	warmupSeconds: positive("BENCH_WARMUP", 2, true),
	fixedRatePercent: positive("BENCH_FIXED_RATE_PERCENT", 50),
	fixedRateRounds: positive("BENCH_FIXED_RATE_ROUNDS", 8),
};
const roundSeconds = settings.durationSeconds / settings.rounds;
type Side = "edge" | "baseline";

/** Seconds the profiled load runs. */
const PROFILE_SECONDS = 5;
const DEFAULT_PROFILED_SCENARIO = "merchant GET captures, fast upstream";

// Which scenarios run: those whose name contains one of the arguments (or of BENCH_SCENARIOS,
// comma-separated); all without either.
const terms = [...process.argv.slice(2), ...(process.env.BENCH_SCENARIOS ?? "").split(",")];
const selected = selectScenarios(scenarios(placeholderCredentials()), terms).map((scenario) => scenario.name);
// Which scenarios the profiled edge (in front of the stub) is loaded with, one profile each:
// BENCH_PROFILE names part of one or more, comma-separated, run or not (BENCH_PROFILE="customer GET
// terms-and-conditions, fast upstream|merchant GET captures, fast" puts the shopper's and the merchant's
// path side by side: "|" separates them); without it, the merchant GET when that scenario runs;
// BENCH_PROFILE=0: none.
const profileTerms = (process.env.BENCH_PROFILE ?? "").split("|").filter(Boolean);
const profiledScenarios =
	profileTerms[0] === "0"
		? []
		: profileTerms.length > 0
			? profileTerms.flatMap((term) => {
					const name = selectScenarios(scenarios(placeholderCredentials()), [term])[0]?.name;
					if (!name) console.warn(`BENCH_PROFILE: no scenario's name contains ${term}; not profiled`);
					return name ? [name] : [];
				})
			: selected.filter((name) => name === DEFAULT_PROFILED_SCENARIO);
const profiling = profiledScenarios.length > 0;
// BENCH_PERF=1: a native profile (perf) of both sides' workerd processes through each scenario's measured runs.
const nativeProfiling = process.env.BENCH_PERF === "1";
const nativeUnavailable = nativeProfiling ? perfAvailable() : undefined;
if (nativeUnavailable) console.warn(`BENCH_PERF: ${nativeUnavailable}; no native profile`);

// However the run goes, it ends: a watchdog well beyond the planned time, and Ctrl-C, both stop the
// load and the workers before exiting.
// The selected scenarios and the profile, twice over (a machine busy with other work runs slower);
// the 600 s margin covers starting eight Workers and preparing 200 orders on such a machine.
const fixedRateScenarios = scenarios(placeholderCredentials()).filter(
	(scenario) => selected.includes(scenario.name) && scenario.targets.fixedRateP99 !== undefined,
).length;
const plannedSeconds =
	(selected.length + 1) * 2 * (settings.durationSeconds + settings.warmupSeconds + settings.rounds) +
	fixedRateScenarios * 2 * settings.fixedRateRounds * (roundSeconds + 1);
const watchdog = setTimeout(() => abort("the bench overran its time limit", 1), (2 * plannedSeconds + 600) * 1000);
watchdog.unref();
process.on("SIGINT", () => abort("interrupted", 130));
process.on("SIGTERM", () => abort("terminated", 143));

const startedAt = Date.now();
let exitCode = 0;
try {
	if (selected.length === 0) throw new Error(`no scenario's name contains ${terms.filter(Boolean).join(" or ")}`);
	// The edge's wrangler.toml serves dist/assets, which a fresh clone has not built yet.
	buildAssets();
	const bundle = edgeBundleSize();
	const storefront = buildStorefront();
	const needed = new Set<BenchWorker>(
		scenarios(placeholderCredentials())
			.filter((scenario) => selected.includes(scenario.name))
			.flatMap((scenario) => [scenario.edge.worker, scenario.baseline.worker]),
	);
	if (profiling) needed.add("edgeProfiled");
	console.log(`Scenarios: ${selected.join("; ")}`);
	console.log("Starting their Workers (wrangler dev, ephemeral ports, in-memory state)…");
	const workers = (await startWorkers(needed)) as BenchWorkers;
	console.log(
		`  ${Object.entries(workers)
			.map(([name, origin]) => `${name} ${origin}`)
			.join("  ")}`,
	);
	if (cpuMeasurable) {
		console.log(
			`  workerd processes: ${Object.entries(processesOf)
				.map(([name, pids]) => `${name} ${pids?.join(",")}`)
				.join("  ")}`,
		);
	}

	const { credentials, tokenCountsAtStart } = await prepare(workers);
	const plan = scenarios(credentials).filter((scenario) => selected.includes(scenario.name));
	for (const scenario of plan) await checkSameAnswer(workers, scenario);
	const primer = plan.find((scenario) => scenario.baseline.worker === "passthrough");
	if (primer) await run(workers, credentials, primer, "baseline", 0, PRIMING_REQUESTS);

	const results: ScenarioResult[] = [];
	const measuredTokenCalls: Record<Scope, number> = { customer: 0, merchant: 0 };
	for (const scenario of plan) {
		console.log(`Loading: ${scenario.name}`);
		for (const side of ["edge", "baseline"] as const) {
			if (settings.warmupSeconds > 0) await run(workers, credentials, scenario, side, settings.warmupSeconds);
		}
		const recordings: Partial<Record<Side, NativeRecording>> = {};
		if (nativeProfiling && !nativeUnavailable) {
			for (const [side, request] of [
				["edge", scenario.edge],
				["baseline", scenario.baseline],
			] as const) {
				const pids = processesOf[request.worker] ?? [];
				if (pids.length > 0) recordings[side] = recordNative(pids, nativeProfileFile(scenario.name, side));
			}
		}
		const closed = await measure(workers, credentials, scenario, measuredTokenCalls);
		const native = {
			edge: (await recordings.edge?.stop()) ?? null,
			baseline: (await recordings.baseline?.stop()) ?? null,
		};
		let fixedRate: FixedRateRuns | undefined;
		if (scenario.targets.fixedRateP99 !== undefined) {
			// The same rate for both sides, a share of the slower side's closed-loop throughput just measured:
			// both well below saturation, so the p99s compare each side's own latency, not a queue.
			const slower = Math.min(
				...(["edge", "baseline"] as const).map((side) => summarize(closed.runs[side]).requestsPerSecond),
			);
			const rate = Math.max(1, Math.round((slower * settings.fixedRatePercent) / 100));
			console.log(
				`  then at a fixed rate: ${rate} requests/s on each side (${settings.fixedRatePercent} % of ${slower.toFixed(0)})`,
			);
			fixedRate = {
				rate,
				...(await measure(workers, credentials, scenario, undefined, rate, settings.fixedRateRounds)),
			};
		}
		const result = scenarioResult(scenario, closed, fixedRate);
		if (native.edge && native.baseline) {
			result.native = {
				edgeMs: perRequestMs(native.edge, result.edge.requests),
				baselineMs: perRequestMs(native.baseline, result.passthrough.requests),
			};
		}
		results.push(result);
	}

	const profiles: BenchResults["profiles"] = [];
	for (const profiledScenario of edgeInspector ? profiledScenarios : []) {
		console.log(`Profiling the edge: ${profiledScenario}`);
		// The profiled edge has orders of its own: its checkout's client token, and its webhook orders.
		const profiledCredentials = await prepareProfiledEdge(workers.edgeProfiled, credentials, profiledScenario);
		const load = (seconds: number) =>
			loadInOwnProcess({
				origin: workers.edgeProfiled,
				scenario: profiledScenario,
				side: "edge",
				credentials: profiledCredentials,
				connections: settings.connections,
				seconds,
			});
		// Warmed up first, as the measured edges are: a cold isolate's first calls (parsing its settings,
		// building its Flexiti client, its first token) are not what each request costs.
		await load(Math.max(settings.warmupSeconds, 2));
		let requests = 0;
		let cpuMsPerRequest: number | null = null;
		const breakdown = await profileWhile(
			edgeInspector as URL,
			"flexiti-edge",
			async () => {
				const pids = processesOf.edgeProfiled ?? [];
				const cpuBefore = cpuMs(pids);
				requests = summarize([await load(PROFILE_SECONDS)]).requests;
				if (cpuMeasurable && requests > 0) cpuMsPerRequest = (cpuMs(pids) - cpuBefore) / requests;
			},
			profileFile(profiledScenario),
		).catch((error: unknown) => {
			console.warn(`  no profile: ${error instanceof Error ? error.message : String(error)}`);
			return null;
		});
		if (breakdown) profiles.push({ ...breakdown, scenario: profiledScenario, requests, cpuMsPerRequest });
	}

	const tokenCountsAtEnd = await tokenCounts(workers.sandbox);
	const tokenCalls = Object.fromEntries(
		(["customer", "merchant"] as const).map((scope) => {
			const requests = results.filter((r) => r.scope === scope).reduce((sum, r) => sum + r.edge.requests, 0);
			const calls = measuredTokenCalls[scope];
			const total = tokenCountsAtEnd[scope] - tokenCountsAtStart[scope];
			return [scope, { calls, requests, per10k: requests ? (calls / requests) * 10_000 : 0, coldCalls: total - calls }];
		}),
	) as Record<Scope, TokenCalls>;

	const report = compile(settings, results, tokenCalls, bundle, storefront, profiles, (Date.now() - startedAt) / 1000);
	print(report);
	save(report, RESULTS_FILE);
	const failures = results.flatMap((r) => [
		...(failed(r.edge) ? [`${r.name} (edge): ${describe(r.edge)}`] : []),
		...(failed(r.passthrough) ? [`${r.name} (pass-through): ${describe(r.passthrough)}`] : []),
		...(r.fixedRate && failed(r.fixedRate.edge) ? [`${r.name} (edge, fixed rate): ${describe(r.fixedRate.edge)}`] : []),
		...(r.fixedRate && failed(r.fixedRate.baseline)
			? [`${r.name} (baseline, fixed rate): ${describe(r.fixedRate.baseline)}`]
			: []),
	]);
	if (failures.length > 0) {
		console.error(
			`\nFAILED: requests went wrong under load, so the numbers above mean little:\n  ${failures.join("\n  ")}`,
		);
		exitCode = 1;
	}
	const missed = report.targets.filter((target) => !target.pass);
	if (missed.length > 0) {
		console.error(
			`\nMISSED ${missed.length} target(s):\n  ${missed.map((t) => `${t.name}: ${t.value.toFixed(2)} (limit ${t.limit})`).join("\n  ")}`,
		);
		exitCode = 1;
	}
	// Issue 18's "as low as" scenario: its own module, sandbox and edge (scripts/bench/promo.ts). It runs
	// in a whole run, and in a partial one only when a term names it ("promo"), since it takes minutes.
	const partial = terms.some(Boolean);
	if (!partial || terms.some((term) => term.trim() && "promo".includes(term.trim().toLowerCase()))) {
		if (!(await promoPasses())) exitCode = 1;
	}
} catch (error) {
	console.error(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
	exitCode = 1;
} finally {
	stopLoader();
	await stopWorkers();
	clearTimeout(watchdog);
}
process.exit(exitCode);

/**
 * A clean sandbox, the pass-through's Flexiti tokens (minted once, directly, as any Flexiti caller
 * would), and a checkout opened at the edge for the shopper's client token.
 */
async function prepare(workers: BenchWorkers) {
	await call(`${workers.sandbox}/sandbox/reset`, { method: "POST" });
	const secret = (JSON.parse(localSettings().FLEXITI_CLIENTS ?? "{}") as Record<string, string>)[CLIENT];
	if (!secret) throw new Error(`.dev.vars.example has no FLEXITI_CLIENTS secret for ${CLIENT}`);
	const mint = async (scope: Scope) => {
		const token = (await call(`${workers.sandbox}/flexiti/pos-api/v2.5/oauth/token`, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded", "x-reference-id": crypto.randomUUID() },
			body: new URLSearchParams({ client_id: CLIENT, client_secret: secret, grant_type: "client_credentials", scope }),
		})) as { access_token: string };
		return token.access_token;
	};
	const [merchantBearer, customerBearer] = [await mint("merchant"), await mint("customer")];
	// From here on every token call at the sandbox is the edge's.
	const tokenCountsAtStart = await tokenCounts(workers.sandbox);
	const placeholder = placeholderCredentials();
	const clientToken = workers.edge ? await openCheckout(workers.edge) : placeholder.clientToken;
	const clientTokenFast = workers.edgeFast ? await openCheckout(workers.edgeFast) : placeholder.clientTokenFast;
	const webhooks = selected.some((name) => name.startsWith("webhook"));
	const webhookReferences = webhooks ? await openWebhookOrders(workers.edge) : [];
	const webhookSecret = (localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "";
	const credentials: Credentials = {
		merchantKey: LOCAL_MERCHANT_KEY,
		clientToken,
		clientTokenFast,
		merchantBearer,
		customerBearer,
		webhookSecret,
		webhookReferences,
	};
	return { credentials, tokenCountsAtStart };
}

/** A checkout opened at `edge`, for its client token. */
async function openCheckout(edge: string): Promise<string> {
	const opened = (await call(`${edge}/v1/checkouts`, {
		method: "POST",
		headers: { authorization: `Bearer ${LOCAL_MERCHANT_KEY}`, "content-type": "application/json" },
		body: JSON.stringify({ reference: `BENCH-${crypto.randomUUID().slice(0, 8)}`, amount: 249.99 }),
	})) as { client_token: string };
	return opened.client_token;
}

/** Orders for the webhook scenario at `edge`: open checkouts, so their events are stored and held. */
function openWebhookOrders(edge: string): Promise<string[]> {
	return openOrders(edge, WEBHOOK_ORDERS, "BENCH-WH");
}

/** The credentials the profiled edge takes: a checkout of its own, and its own webhook orders when profiled with those. */
async function prepareProfiledEdge(edge: string, credentials: Credentials, scenario: string): Promise<Credentials> {
	const clientToken = await openCheckout(edge);
	return {
		...credentials,
		clientToken,
		clientTokenFast: clientToken,
		webhookReferences: scenario.startsWith("webhook") ? await openWebhookOrders(edge) : credentials.webhookReferences,
	};
}

/** Credentials of the right shape, for listing the scenarios before any Worker runs. */
function placeholderCredentials(): Credentials {
	return {
		merchantKey: LOCAL_MERCHANT_KEY,
		clientToken: "cst_not_opened",
		clientTokenFast: "cst_not_opened",
		merchantBearer: "not-minted",
		customerBearer: "not-minted",
		webhookSecret: (localSettings().STANDARD_WEBHOOK_SECRETS ?? "").split(",")[0] ?? "",
		webhookReferences: ["not-opened"],
	};
}

/** Both sides must succeed, and give the same answer: otherwise they are not doing the same work. */
async function checkSameAnswer(workers: BenchWorkers, scenario: Scenario): Promise<void> {
	const answers = await Promise.all(
		[scenario.edge, scenario.baseline].map((request: LoadRequest) => preflight(workers[request.worker], request)),
	);
	if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) {
		console.warn(`  note: ${scenario.name}: edge and pass-through answered differently (${JSON.stringify(answers)})`);
	}
}

/** createToken calls at the sandbox so far, by requested scope (GET /sandbox/stats). */
async function tokenCounts(sandbox: string): Promise<Record<Scope, number>> {
	const { counts } = (await call(`${sandbox}/sandbox/stats`, { method: "GET" })) as { counts: Record<string, number> };
	return { customer: counts["createToken customer"] ?? 0, merchant: counts["createToken merchant"] ?? 0 };
}

async function call(url: string, init: RequestInit): Promise<unknown> {
	const response = await fetch(url, init);
	const text = await response.text();
	if (!response.ok) throw new Error(`${init.method} ${url}: ${response.status} ${text.slice(0, 500)}`);
	return JSON.parse(text);
}

/** Each side's runs of one measurement, and the CPU its workerd processes used over them (ms). */
interface MeasuredRuns {
	runs: Record<Side, Run[]>;
	cpu: Record<Side, number>;
	/** This process's own CPU meanwhile: Wrangler's host side of each Worker (its log lines, above all). */
	hostCpu: Record<Side, number>;
	/** Each run's share of the machine's CPU that processes outside the bench took (other work on the cores). */
	otherCpuShare: Record<Side, number[]>;
}
type FixedRateRuns = MeasuredRuns & { rate: number };

/**
 * Both sides of a scenario in short runs in ABBA order (edge, baseline, baseline, edge, …): drift on a
 * shared machine (other processes, GC, the sandbox's state) falls on both sides alike instead of on
 * whichever ran second. Closed loops of `settings.connections`, or open-loop at `rate` requests/s. Token
 * calls are counted into `tokenCalls` when given (the closed-loop runs).
 */
async function measure(
	workers: BenchWorkers,
	credentials: Credentials,
	scenario: Scenario,
	tokenCalls?: Record<Scope, number>,
	rate?: number,
	rounds = settings.rounds,
): Promise<MeasuredRuns> {
	const sides = { edge: scenario.edge, baseline: scenario.baseline };
	const runs: Record<Side, Run[]> = { edge: [], baseline: [] };
	const cpu: Record<Side, number> = { edge: 0, baseline: 0 };
	const hostCpu: Record<Side, number> = { edge: 0, baseline: 0 };
	const otherCpuShare: Record<Side, number[]> = { edge: [], baseline: [] };
	for (let round = 0; round < rounds; round++) {
		const order: Side[] = round % 2 === 0 ? ["edge", "baseline"] : ["baseline", "edge"];
		for (const side of order) {
			const pids = processesOf[sides[side].worker] ?? [];
			const before = await tokenCounts(workers.sandbox);
			const cpuBefore = cpuMs(pids);
			const hostBefore = process.cpuUsage();
			const machineBefore = machineCpuMs();
			runs[side].push(await run(workers, credentials, scenario, side, roundSeconds, undefined, rate));
			cpu[side] += cpuMs(pids) - cpuBefore;
			const machine = machineCpuMs();
			const others = machine.busyMs - machineBefore.busyMs - (machine.ownMs - machineBefore.ownMs);
			const capacity = machine.totalMs - machineBefore.totalMs;
			otherCpuShare[side].push(capacity > 0 ? Math.max(0, others) / capacity : 0);
			const host = process.cpuUsage(hostBefore);
			hostCpu[side] += (host.user + host.system) / 1000;
			const after = await tokenCounts(workers.sandbox);
			if (tokenCalls && side === "edge" && scenario.scope) {
				tokenCalls[scenario.scope] += after[scenario.scope] - before[scenario.scope];
			}
		}
	}
	return { runs, cpu, hostCpu, otherCpuShare };
}

/** One load run, from the load generator's own process. */
function run(
	workers: BenchWorkers,
	credentials: Credentials,
	scenario: Scenario,
	side: Side,
	seconds: number,
	amount?: number,
	rate?: number,
): Promise<Run> {
	const request = side === "edge" ? scenario.edge : scenario.baseline;
	return loadInOwnProcess({
		origin: workers[request.worker],
		scenario: scenario.name,
		side,
		credentials,
		connections: settings.connections,
		seconds,
		...(amount ? { amount } : {}),
		...(rate ? { rate } : {}),
	});
}

function scenarioResult(scenario: Scenario, closed: MeasuredRuns, fixedRate?: FixedRateRuns): ScenarioResult {
	const { edge, baseline: passthrough, pairs, cpu } = sideBySide(closed);
	const hostMs = (side: Side, result: LoadResult) => perRequest(closed.hostCpu[side], result);
	return {
		...(fixedRate ? { fixedRate: fixedRateResult(fixedRate) } : {}),
		name: scenario.name,
		scope: scenario.scope,
		targets: scenario.targets,
		edge,
		passthrough,
		throughputRatio: edge.requestsPerSecond / passthrough.requestsPerSecond,
		p99Ratio: edge.p99Ms / passthrough.p99Ms,
		rounds: {
			throughput: pairs.map(([e, b]) => e.requestsPerSecond / b.requestsPerSecond),
			p99: pairs.map(([e, b]) => e.p99Ms / b.p99Ms),
		},
		cpu,
		host: { edgeMs: hostMs("edge", edge), baselineMs: hostMs("baseline", passthrough) },
	};
}

/** The open-loop measurement: each side's latency at the same fixed rate, and the p99 ratio (judged on
 * the median of the paired rounds' ratios: `p99RatioOfPairs`). */
function fixedRateResult(fixedRate: FixedRateRuns): NonNullable<ScenarioResult["fixedRate"]> {
	const { edge, baseline, cpu } = sideBySide(fixedRate);
	const p99 = p99RatioOfPairs(fixedRate.runs.edge, fixedRate.runs.baseline);
	return {
		rate: fixedRate.rate,
		edge,
		baseline,
		p99Ratio: p99.median,
		pooledP99Ratio: p99.pooled,
		roundsP99: p99.pairs,
		roundsP99Ms: {
			edge: fixedRate.runs.edge.map((run) => summarize([run]).p99Ms),
			baseline: fixedRate.runs.baseline.map((run) => summarize([run]).p99Ms),
		},
		cpu,
		...(cpuMeasurable ? { otherCpuShare: fixedRate.otherCpuShare } : {}),
	};
}

/** Both sides of one measurement pooled, their rounds paired, and each side's workerd CPU per request. */
function sideBySide({ runs, cpu }: MeasuredRuns) {
	const edge = summarize(runs.edge);
	const baseline = summarize(runs.baseline);
	// Rounds pair up in order (edge run i with baseline run i, which ran next to it).
	const pairs = runs.edge.map((run, i) => [summarize([run]), summarize([runs.baseline[i] ?? run])] as const);
	const edgeMs = perRequest(cpu.edge, edge);
	const baselineMs = perRequest(cpu.baseline, baseline);
	return { edge, baseline, pairs, cpu: cpuMeasurable ? { edgeMs, baselineMs, addedMs: edgeMs - baselineMs } : null };
}

/** CPU ms over a side's runs ÷ the requests they answered. */
function perRequest(cpuMsTotal: number, result: LoadResult): number {
	return result.requests ? cpuMsTotal / result.requests : 0;
}

function failed(r: LoadResult): boolean {
	return r.errors > 0 || r.timeouts > 0 || r.non2xx > 0;
}

function describe(r: LoadResult): string {
	return `${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (statuses ${JSON.stringify(r.statuses)})`;
}

function abort(reason: string, code: number): void {
	console.error(`\nbench stopping: ${reason}`);
	stopLoader();
	void stopWorkers().finally(() => process.exit(code));
	setTimeout(() => process.exit(code), 10_000).unref();
}

function positive(name: string, fallback: number, zeroAllowed = false): number {
	const raw = process.env[name];
	if (raw === undefined || raw === "") return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1)) throw new Error(`${name} must be a whole number`);
	return value;
}
