/**
 * What changed in memory since the owner's last write, so the one write that saves a change also
 * saves what it produced (the order's `save` writes the outbox events emitted since the last one).
 */
const unsaved = new WeakMap<object, Set<unknown>>();

export function markUnsaved(owner: object, item: unknown): void {
	const set = unsaved.get(owner) ?? new Set();
	unsaved.set(owner, set);
	set.add(item);
}

/** The items to write now; forgotten here, since the write is about to happen. */
export function takeUnsaved<Item>(owner: object): Item[] {
	const set = unsaved.get(owner);
	unsaved.delete(owner);
	return set ? ([...set] as Item[]) : [];
}
