/**
 * The micro bench: single steps of a forwarded request (bench/micro/worker.ts), each run many times
 * inside workerd, with workerd's CPU per run (from /proc) divided by the runs, minus an empty loop's.
 * For changes of tens of microseconds, which the load bench's rounds cannot tell from noise.
 *
 *   sh scripts/with-node.sh node scripts/bench/micro.ts                 # every step
 *   sh scripts/with-node.sh node scripts/bench/micro.ts console openapi  # steps whose name contains one of these
 *
 * MICRO_TIMES (runs per request, default 2000) and MICRO_ROUNDS (requests per step, default 5) change
 * the run; each step's figure is the median of its rounds. Run it under `flock /work/notes/bench.lock`
 * as the load bench is, on as quiet a machine as there is: CPU time, not wall time, but a busy machine
 * still makes every step dearer.
 */
import { type Binding, startLocalWorker } from "../local-worker.ts";
import { cpuMeasurable, cpuMs, workerdProcesses } from "./process-cpu.ts";
import { specExamples } from "./spec-examples.ts";
import { benchRuntime, localSettings, settledProcesses } from "./workers.ts";

const TIMES = Number(process.env.MICRO_TIMES ?? 2000);
const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 5);
const terms = process.argv.slice(2);

if (!cpuMeasurable) throw new Error("the micro bench reads workerd's CPU time from /proc (Linux only)");
// As the load bench runs its Workers: without it, Miniflare's observability collector turned each of a
// step's runs into tail events in the same workerd (and the steps that log flooded it until it gave up).
benchRuntime();
const before = workerdProcesses();
// The whole-request steps run the edge: its local settings (.dev.vars.example), Flexiti behind a
// service binding (the base URL only names the path), and the stub's answers (the spec's examples).
const bindings: Record<string, Binding> = {
	...Object.fromEntries(
		Object.entries(localSettings()).map(([name, value]) => [name, { type: "secret_text", value } satisfies Binding]),
	),
	FLEXITI_BASE_URL: { type: "plain_text", value: "http://flexiti.invalid/flexiti/pos-api" },
	EXAMPLES: { type: "plain_text", value: JSON.stringify(specExamples()) },
};
const { origin, worker } = await startLocalWorker("bench/micro/wrangler.toml", bindings);
// The Worker's own workerd starts after `ready` (its proxy's first): counted once none comes or goes.
const pids = [...(await settledProcesses(origin))].filter((pid) => !before.has(pid));
try {
	const steps = (await (await fetch(origin)).json()) as string[];
	const wanted = steps.filter(
		(step) => step === "nothing" || terms.length === 0 || terms.some((t) => step.includes(t)),
	);
	/** Microseconds of workerd CPU per run of `step`, the median of the rounds. */
	const measure = async (step: string): Promise<number> => {
		const run = async (times: number) => {
			const response = await fetch(`${origin}/?step=${encodeURIComponent(step)}&n=${times}`);
			if (response.status !== 204) throw new Error(`${step}: ${response.status}`);
		};
		await run(Math.min(TIMES, 200));
		const rounds: number[] = [];
		for (let round = 0; round < ROUNDS; round++) {
			const start = cpuMs(pids);
			await run(TIMES);
			rounds.push(((cpuMs(pids) - start) * 1000) / TIMES);
		}
		rounds.sort((a, b) => a - b);
		return rounds[Math.floor(rounds.length / 2)] ?? Number.NaN;
	};
	const empty = await measure("nothing");
	console.log(
		`workerd CPU per run, µs (median of ${ROUNDS} × ${TIMES} runs, less the empty loop's ${empty.toFixed(1)} µs)`,
	);
	for (const step of wanted.filter((s) => s !== "nothing")) {
		console.log(
			`${step.padEnd(42)} ${Math.max(0, (await measure(step)) - empty)
				.toFixed(1)
				.padStart(7)}`,
		);
	}
} finally {
	await worker.dispose();
}
