/**
 * The bench's count of the machine's CPU (scripts/bench/process-cpu.ts, `machineCpuMs`), from which the
 * fixed-rate table's "other processes' CPU" is the busy time minus the bench's own: the bench's own must
 * include the processes below it (its Workers and load generator are children), or their work would be
 * charged to other processes. A child that spins for a while must show up in the own time, and the
 * machine's busy time must have grown at least as much (ticks of 10 ms: 20 ms of slack).
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { machineCpuMs } from "../../scripts/bench/process-cpu.ts";

const SPIN_MS = 600;

describe("machineCpuMs (the bench's own CPU against the machine's)", () => {
	it("counts a child process's CPU as the bench's own, and within the machine's busy time", async () => {
		const before = machineCpuMs();
		// A child that burns SPIN_MS of CPU (its own clock, so a loaded machine only makes it take longer),
		// says so, then waits (sleeping, not spinning) until it is read and killed.
		const child = spawn(
			process.execPath,
			["-e", `while (process.cpuUsage().user < ${SPIN_MS * 1000}); console.log("spun"); setTimeout(() => {}, 60_000);`],
			{ stdio: ["ignore", "pipe", "ignore"] },
		);
		// Its CPU is read while it still exists: a process that has exited no longer has a /proc entry.
		await new Promise((resolve) => child.stdout.once("data", resolve));
		const after = machineCpuMs();
		child.kill();
		const own = after.ownMs - before.ownMs;
		expect(own).toBeGreaterThanOrEqual(SPIN_MS - 20);
		expect(after.busyMs - before.busyMs).toBeGreaterThanOrEqual(own - 20);
		expect(after.totalMs - before.totalMs).toBeGreaterThanOrEqual(after.busyMs - before.busyMs);
	});
});
