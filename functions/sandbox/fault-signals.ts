/**
 * Who waits for which fault to strike (`GET /sandbox/faults/{id}/struck`): a test that must act while
 * a slow call is held at Flexiti learns the moment its fault is taken, instead of polling the fault
 * list. In the memory of the sandbox's one Durable Object, as its pending requests are.
 */
export class FaultSignals {
	private readonly strikes = new Set<string>();
	private readonly waiting = new Map<string, ((struck: boolean) => void)[]>();

	/** The fault was taken by a call (its first, for a fault of several). */
	struck(id: string): void {
		this.strikes.add(id);
		this.answer(id, true);
	}

	/** The faults were cleared (or the world reset): those that had not struck never will. */
	cleared(ids: readonly string[]): void {
		for (const id of ids) this.answer(id, this.strikes.has(id));
	}

	/** Forgets every strike (a reset). */
	reset(pending: readonly string[]): void {
		this.cleared(pending);
		this.strikes.clear();
	}

	/**
	 * True once the fault has struck (at once if it already has); false if it is not waiting to strike
	 * (`pending` says which are) or has not struck within `timeoutMs`.
	 */
	async wait(id: string, pending: boolean, timeoutMs: number): Promise<boolean> {
		if (this.strikes.has(id)) return true;
		if (!pending) return false;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const struck = await new Promise<boolean>((resolve) => {
			this.waiting.set(id, [...(this.waiting.get(id) ?? []), resolve]);
			timer = setTimeout(() => resolve(false), timeoutMs);
		});
		if (timer !== undefined) clearTimeout(timer);
		return struck;
	}

	private answer(id: string, struck: boolean): void {
		for (const resolve of this.waiting.get(id) ?? []) resolve(struck);
		this.waiting.delete(id);
	}
}
