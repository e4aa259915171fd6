/** Sends load jobs to the load generator's own process (load-process.ts) and waits for their runs. */
import { type ChildProcess, fork } from "node:child_process";
import type { LoadJob, Run } from "./load.ts";

let child: ChildProcess | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (run: Run) => void; reject: (error: Error) => void }>();

function loader(): ChildProcess {
	if (child) return child;
	child = fork(new URL("./load-process.ts", import.meta.url), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
	child.on("message", (message: { id: number; run?: Run; error?: string }) => {
		const job = waiting.get(message.id);
		waiting.delete(message.id);
		if (message.run) job?.resolve(message.run);
		else job?.reject(new Error(message.error ?? "the load generator failed"));
	});
	child.on("exit", (code) => {
		for (const job of waiting.values()) job.reject(new Error(`the load generator exited (${code})`));
		waiting.clear();
		child = undefined;
	});
	return child;
}

/** Runs one load job in the load generator's process. */
export function loadInOwnProcess(job: Omit<LoadJob, "id">): Promise<Run> {
	const id = nextId++;
	return new Promise((resolve, reject) => {
		waiting.set(id, { resolve, reject });
		loader().send({ ...job, id });
	});
}

/** Ends the load generator's process (its run in progress, if any, is abandoned). */
export function stopLoader(): void {
	child?.kill();
	child = undefined;
}
