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
	if (!cpuMeasurable) return new Set();
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
			if (at === process.pid) return true;
		}
		return false;
	};
	return new Set([...names].filter(([pid, name]) => name === "workerd" && below(pid)).map(([pid]) => pid));
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
