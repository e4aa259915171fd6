/**
 * Asking for a day's reconciliation: by the merchant (`POST /v1/reconciliations`) or by the daily
 * Cron Trigger, always through that client and day's Durable Object (reconciliation-object.ts).
 */
import type { components } from "../../../generated/edge-api.ts";
import type { EdgeBindings } from "../core/env.ts";

export interface RunRequest {
	clientId: string;
	/** YYYY-MM-DD, UTC. */
	day: string;
	/** The daily run: when Flexiti cannot answer, the day's object tries again by itself. */
	scheduled?: boolean;
}

export type RunView = components["schemas"]["ReconciliationRun"];

/** A result, not an exception: errors lose their class across RPC. */
export type RunAnswer = { ok: true; run: RunView } | { ok: false; error: string };

/** The Durable Object of one client's day. */
export function reconciliationOf(env: EdgeBindings, clientId: string, day: string) {
	return env.RECONCILIATIONS.get(env.RECONCILIATIONS.idFromName(`${clientId}:${day}`));
}

/** The day (UTC) before `time` (ms): what the daily run reconciles, once the day is over at Flexiti too. */
export function dayBefore(time: number): string {
	return new Date(time - 86_400_000).toISOString().slice(0, 10);
}

/** The Cron Trigger: yesterday, for every configured client, each in its own day's object. */
export async function reconcileYesterday(env: EdgeBindings, clientIds: readonly string[], scheduledTime: number) {
	const day = dayBefore(scheduledTime);
	const answers = await Promise.all(
		clientIds.map(async (clientId) => ({
			clientId,
			answer: await reconciliationOf(env, clientId, day).run({ clientId, day, scheduled: true }),
		})),
	);
	for (const { clientId, answer } of answers) {
		console.log(
			JSON.stringify({
				event: "reconciliation_run",
				client_id: clientId,
				day,
				ok: answer.ok,
				...(answer.ok ? { mismatches: answer.run.mismatches.length, new: answer.run.new_mismatches } : {}),
			}),
		);
	}
	return answers;
}
