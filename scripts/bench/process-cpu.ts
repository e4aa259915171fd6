/**
 * CPU time of the workerd processes that serve each Worker (Linux /proc): the bench notes which
 * processes each Worker's start spawned, and reads their user + system time before and after a run.
 * Elsewhere (no /proc) CPU is reported as unknown.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export const cpuMeasurable = existsSync("/proc/self/stat");

/** workerd processes anywhere below this process. */
export function workerdProcesses(): Set<number> {
	return new Set(processesBelow(process.pid, "workerd"));
}

/** The processes anywhere below `root` (with this name, when given). */
function processesBelow(root: number, name?: string): number[] {
	if (!cpuMeasurable) return [];
	const parents = new Map<number, number>();
	const names = new Map<number, string>();
	for (const entry of readdirSync("/proc")) {
		const pid = Number(entry);
		if (!Number.isInteger(pid)) continue;
		const stat = readStat(pid);
		if (!stat) continue;
		parents.set(pid, stat.ppid);
		names.set(pid, stat.name);
	}
	const below = (pid: number): boolean => {
		for (let at = parents.get(pid), hops = 0; at !== undefined && hops < 20; at = parents.get(at), hops++) {
			if (at === root) return true;
		}
		return false;
	};
	return [...names].filter(([pid, n]) => (name === undefined || n === name) && below(pid)).map(([pid]) => pid);
}

/**
 * The machine's CPU so far (ms, summed over its cores, /proc/stat): how much was busy, and how much
 * of that was this process and every process below it (the bench's Workers, its load generator, perf).
 * Over a run, busy minus own is what processes outside the bench took from the same cores.
 */
export function machineCpuMs(): { busyMs: number; ownMs: number; totalMs: number } {
	if (!cpuMeasurable) return { busyMs: 0, ownMs: 0, totalMs: 0 };
	// cpu  user nice system idle iowait irq softirq steal …: idle and iowait are the cores' free time.
	const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
	const total = fields.reduce((sum, ticks) => sum + ticks, 0);
	const free = (fields[3] ?? 0) + (fields[4] ?? 0);
	const toMs = (ticks: number) => (ticks * 1000) / TICKS_PER_SECOND;
	return {
		busyMs: toMs(total - free),
		ownMs: cpuMs([process.pid, ...processesBelow(process.pid)]),
		totalMs: toMs(total),
	};
}

/** User + system CPU milliseconds these processes have used so far. */
export function cpuMs(pids: readonly number[]): number {
	let ticks = 0;
	for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
	return (ticks * 1000) / TICKS_PER_SECOND;
}

function readStat(pid: number): { name: string; ppid: number; ticks: number } | undefined {
	try {
		const text = readFileSync(`/proc/${pid}/stat`, "utf8");
		const name = text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"));
		const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
		// After the name: state(3) ppid(4) … utime(14) stime(15), so index = field number - 3.
		return { name, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
	} catch {
		return undefined;
	}
}
