import type { FaultSignals } from "./fault-signals.ts";
import type { Fault, World } from "./world.ts";

/** Takes the next injected fault for this operation, if any, counting it down, and tells who waits for it. */
export function takeFault(host: { world: World; faultSignals: FaultSignals }, operationId: string): Fault | undefined {
	const { world } = host;
	const fault = world.faults.find((f) => f.remaining > 0 && (f.operation === operationId || f.operation === "*"));
	if (!fault) return undefined;
	if (fault.after) {
		fault.after -= 1;
		return undefined;
	}
	fault.remaining -= 1;
	world.faults = world.faults.filter((f) => f.remaining > 0);
	host.faultSignals.struck(fault.id);
	return fault;
}

/** The error code an injected status answers with, in Flexiti's envelope. */
export function faultError(status: number): string {
	if (status === 401) return "invalid_token";
	if (status === 429) return "rate_limited";
	if (status >= 500 && status !== 500) return "service_unavailable";
	return status === 500 ? "internal_error" : "general_error";
}

/** A stall's default length: longer than any caller waits (the edge's timeout is 10 s by default). */
export const DEFAULT_STALL_MS = 60_000;

/**
 * The answer with its status and headers sent now and its body only after `delayMs`: Flexiti
 * answering, then stalling mid-answer (a `stall` fault). A caller that gives up cancels the body,
 * which ends the wait, so no timer outlives the call.
 */
export function stalledBody(answer: Response, delayMs: number): Response {
	let timer: ReturnType<typeof setTimeout> | undefined;
	let giveUp: (() => void) | undefined;
	let cancelled = false;
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const bytes = new Uint8Array(await answer.arrayBuffer());
			await new Promise<void>((resolve) => {
				giveUp = resolve;
				timer = setTimeout(resolve, delayMs);
			});
			if (cancelled) return;
			controller.enqueue(bytes);
			controller.close();
		},
		cancel() {
			cancelled = true;
			if (timer !== undefined) clearTimeout(timer);
			giveUp?.();
		},
	});
	return new Response(body, { status: answer.status, headers: answer.headers });
}
