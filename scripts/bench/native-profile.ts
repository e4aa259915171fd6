/**
 * `BENCH_PERF=1 npm run bench`: a native profile of each side's workerd processes (Linux `perf`,
 * software CPU clock), recorded through a scenario's measured runs, so that workerd's own work per
 * request — what the inspector's profile cannot see: HTTP, RPC, allocation, garbage collection, the
 * kernel — is compared edge against baseline, in ms of CPU per request by kind of native code.
 *
 * Optional, and only where `perf` runs (root, or perf_event_paranoid ≤ 1): without it the bench
 * says so and goes on. perf samples each process's CPU clock, so a side that is idle while the other
 * side is loaded adds no samples: one recording per side over the whole ABBA loop is fair to both.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";

/** Samples per second of CPU time. */
const FREQUENCY = 999;

/** Kinds of native code, by symbol; the first that matches wins. */
const KINDS: [kind: string, symbol: RegExp][] = [
	["allocation (tcmalloc)", /tcmalloc|TCMalloc|^operator (new|delete)|malloc|^__libc_free|cfree/],
	[
		"garbage collection, handles (V8, cppgc)",
		/cppgc|Heap::|Scaveng|MarkCompact|Sweeper|ConcurrentMarking|Marking|GCTracer|WriteBarrier|HeapTracer|GlobalHandles|Evacuat/,
	],
	["JavaScript builtins, interpreter, IC (V8)", /^Builtins_|Runtime_|Interpreter/],
	["JSON (V8)", /Json(Stringifier|Parser)/],
	["parsing, compiling (V8)", /Parser|Compiler|compiler::|maglev|turboshaft|Scanner|Bytecode/],
	["other V8", /^v8::|^v8_/],
	["SQLite (Durable Objects, limiter emulation)", /sqlite3|Sqlite/],
	["RPC (Cap'n Proto)", /capnp::/],
	["Workers APIs (Request, Response, Headers, fetch)", /workerd::api::/],
	["JS bindings (jsg)", /workerd::jsg|JsgWorkerdIsolate/],
	["other workerd", /workerd::|workerd_/],
	["HTTP (kj, hyper)", /Http|http::|hyper|httparse/],
	["async I/O, events (kj, tokio)", /kj::|tokio|futures/],
	["libc (memcpy, syscalls)", /^(__|mem|str|epoll|write|read|send|recv|pthread|syscall|clock_gettime)/],
];

export interface NativeRecording {
	stop(): Promise<NativeProfile | null>;
}

export interface NativeProfile {
	/** Samples (of 1/FREQUENCY s of CPU each) by kind of native code. */
	kinds: Record<string, number>;
	samples: number;
}

/** Whether perf can record here (and a reason when not). */
export function perfAvailable(): string | undefined {
	try {
		execFileSync("perf", ["--version"], { stdio: "ignore" });
		return undefined;
	} catch {
		return "perf is not installed";
	}
}

/** Starts recording these processes (and their threads) into `file`. */
export function recordNative(pids: readonly number[], file: string): NativeRecording {
	mkdirSync(".cache", { recursive: true });
	const perf: ChildProcess = spawn(
		"perf",
		[
			"record",
			"-q",
			"-F",
			String(FREQUENCY),
			"-e",
			"cpu-clock",
			// BENCH_PERF_GRAPH=1: call graphs too (frame pointers), to charge native work to its JavaScript caller
			// (with MINIFLARE_WORKERD_V8_FLAGS="--perf-basic-prof --interpreted-frames-native-stack").
			...(process.env.BENCH_PERF_GRAPH === "1" ? ["-g"] : []),
			"-p",
			pids.join(","),
			"-o",
			file,
		],
		{ stdio: ["ignore", "ignore", "pipe"] },
	);
	let errors = "";
	perf.stderr?.on("data", (chunk: Buffer) => {
		errors += chunk.toString();
	});
	const exited = new Promise<number | null>((resolve) => perf.on("exit", resolve));
	return {
		async stop() {
			perf.kill("SIGINT");
			const code = await exited;
			if (code !== 0 && code !== null) {
				console.warn(`  perf record failed (${code}): ${errors.trim().split("\n")[0] ?? ""}`);
				return null;
			}
			return readNative(file);
		},
	};
}

/** The recording's samples by kind of native code (perf report, self time by symbol). */
function readNative(file: string): NativeProfile | null {
	let report: string;
	try {
		report = execFileSync(
			"perf",
			["report", "-i", file, "--no-children", "-g", "none", "-n", "--sort", "dso,sym", "--stdio"],
			{ encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
		);
	} catch {
		return null;
	}
	const kinds: Record<string, number> = {};
	let samples = 0;
	// "    1.23%   456  workerd  [.] symbol": overhead, samples, DSO, [k]ernel or [.] user, symbol.
	for (const line of report.split("\n")) {
		const row = /^\s*[\d.]+%\s+(\d+)\s+(.*?)\s+\[([k.])\]\s+(.*)$/.exec(line);
		if (!row) continue;
		const count = Number(row[1]);
		const kind = kindOf(row[2] ?? "", row[3] === "k", (row[4] ?? "").trim());
		kinds[kind] = (kinds[kind] ?? 0) + count;
		samples += count;
	}
	return { kinds, samples };
}

function kindOf(dso: string, kernel: boolean, symbol: string): string {
	if (kernel) return "kernel (syscalls, page faults, scheduling)";
	// V8's generated code has no symbol: perf shows its address, in an anonymous mapping.
	if (/^0x[0-9a-f]+$/.test(symbol) || dso.startsWith("[JIT]") || dso === "[unknown]") return "JIT code (V8)";
	return KINDS.find(([, pattern]) => pattern.test(symbol))?.[0] ?? "other native code";
}

/** ms of CPU per request of each kind, from a recording of this many requests. */
export function perRequestMs(profile: NativeProfile, requests: number): Record<string, number> {
	const ms = (samples: number) => (requests > 0 ? ((samples / FREQUENCY) * 1000) / requests : 0);
	return Object.fromEntries(Object.entries(profile.kinds).map(([kind, samples]) => [kind, ms(samples)]));
}
