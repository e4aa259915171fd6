/**
 * Where a Worker's workerd spends its CPU, by stage of the request, from a native profile with call
 * chains (`perf record -g`). `BENCH_PERF=1 npm run bench` (native-profile.ts) sorts samples by the
 * kind of native code of their innermost frame (allocation, GC, builtins, RPC, SQLite…); this reads
 * each sample's whole call chain, so that what a webhook ack pays for its Durable Object call
 * (the invocation, SQLite commits, the route's code before and after it) shows as such. How (the
 * bench prints each Worker's workerd processes as it starts them):
 *
 *   flock /work/notes/bench.lock npm run bench -- webhook        # note "workerd processes: … edge A,B  bare C,D"
 *   perf record -e cpu-clock -g -p A,B -o edge.data &  perf record -e cpu-clock -g -p C,D -o bare.data &
 *   # …stop both (kill -INT) when the bench prints its table, then, with each side's CPU ms/req from it:
 *   node scripts/bench/native-stages.ts edge.data 7.56 bare.data 5.45
 *
 * Each sample is charged to the first of STAGES (in order) that one of its frames matches, so a
 * sample in SQLite under the Durable Object's invocation is "the Durable Object's invocation";
 * samples of V8's own threads are charged to them, and samples that match nothing to "other".
 */
import { execFileSync } from "node:child_process";

const STAGES: [string, RegExp][] = [
	["Miniflare's observability collector (tail events)", /workerd::tracing::|TailStream/],
	["the Durable Object's invocation (its JS, storage put, SQLite)", /IoContext::run<workerd::api::JsRpcTargetBase/],
	["SQLite outside an invocation (commits)", /sqlite3/],
	[
		"after the Durable Object answered (response, headers, log line)",
		/resumeAfterIo<capnp::Response<workerd::rpc::JsRpcTarget/,
	],
	["after the body was read (verify, parse, validate, call the DO)", /resumeAfterIo<kj::Array<unsigned char>/],
	["after a subrequest answered (Miniflare's routing)", /resumeAfterIo<kj::HttpClient::Response/],
	["request start (Miniflare's entry and router, the Worker's fetch)", /IoContext::run<|IoContext::runSingle</],
	["garbage collection outside a request", /v8::internal::Heap::|Scavenger|MarkCompact|cppgc::internal/],
	["event loop, sockets, kernel", /epoll|mio::|\[kernel|__send|__GI___writev|__libc_write|__libc_read/],
];

const BACKGROUND = "V8's background threads (concurrent GC, compilers)";

function breakdown(file: string): { samples: number; stages: Map<string, number> } {
	const script = execFileSync("perf", ["script", "-i", file, "-F", "pid,tid,ip,sym"], {
		maxBuffer: 2 ** 31 - 1,
		encoding: "utf8",
		stdio: ["ignore", "pipe", "ignore"],
	});
	const stages = new Map<string, number>();
	let samples = 0;
	for (const block of script.split("\n\n")) {
		const [head = "", ...frames] = block.trim().split("\n");
		if (frames.length === 0) continue;
		samples += 1;
		// `pid/tid`: a thread other than the process's main one is one of V8's (concurrent GC, compilers).
		const [pid, tid] = head.trim().split(/\s+/)[0]?.split("/") ?? [];
		const stage =
			pid !== tid
				? BACKGROUND
				: (STAGES.find(([, pattern]) => frames.some((frame) => pattern.test(frame)))?.[0] ?? "other");
		stages.set(stage, (stages.get(stage) ?? 0) + 1);
	}
	return { samples, stages };
}

const args = process.argv.slice(2);
if (args.length < 2 || args.length % 2 !== 0) {
	console.error(
		"usage: node scripts/bench/native-stages.ts <perf.data> <CPU ms/request> [<perf.data> <CPU ms/request>]…",
	);
	process.exit(2);
}
const sides = [];
for (let i = 0; i < args.length; i += 2) {
	const file = args[i] ?? "";
	sides.push({ file, cpuMs: Number(args[i + 1]), ...breakdown(file) });
}
const names = [...STAGES.map(([name]) => name), BACKGROUND, "other"];
console.log(["stage", ...sides.map((s) => `${s.file} (ms/request, share)`)].join("\t"));
for (const name of names) {
	const cells = sides.map((side) => {
		const share = (side.stages.get(name) ?? 0) / side.samples;
		return `${(share * side.cpuMs).toFixed(3)} (${(share * 100).toFixed(1)} %)`;
	});
	console.log([name, ...cells].join("\t"));
}
console.log(["samples", ...sides.map((s) => String(s.samples))].join("\t"));
