/**
 * The bench's load generator, in a process of its own (scripts/bench/load-client.ts forks it): the
 * Workers under test are served from the bench's main process (Wrangler), so a load generator there
 * shares its event loop and garbage collector with them and makes the tails noisy. Each job names a
 * scenario and a side; the scenarios are rebuilt here from the credentials, since what makes each
 * request anew (a webhook's signature) cannot cross a process boundary.
 */
import { type LoadJob, load, loadAtRate } from "./load.ts";
import { scenarios } from "./scenarios.ts";

process.on("message", async (job: LoadJob) => {
	try {
		const scenario = scenarios(job.credentials).find((s) => s.name === job.scenario);
		if (!scenario) throw new Error(`no scenario ${job.scenario}`);
		const request = scenario[job.side];
		const run = job.rate
			? await loadAtRate(job.origin, request, job.rate, job.seconds)
			: await load(job.origin, request, job.connections, job.seconds, job.amount);
		process.send?.({ id: job.id, run });
	} catch (error) {
		process.send?.({ id: job.id, error: error instanceof Error ? error.message : String(error) });
	}
});
process.on("disconnect", () => process.exit(0));
