/**
 * An order the order system cancelled takes no new authorization: a cancel that arrives before the
 * edge knows the order (before its checkout, or before its authorization) is held under the order's
 * reference, refuses the shopper's authorization, and releases whatever still gets authorized.
 */

import type { Ledger } from "./ledger.ts";
import type { OrderEvent } from "./order-event.ts";

/** The cancel a payload paid with Flexiti announces for an order the edge has not seen, if any. */
export function cancelForUnknownOrder(events: readonly OrderEvent[]): OrderEvent | undefined {
	return events.find((e) => e.type === "cancelled" && e.paidWithFlexiti === true && !e.verdict);
}

/** Whether the order system has cancelled this order (an accepted cancel event, applied or waiting). */
export function isCancelled(ledger: Ledger): boolean {
	return ledger.events.some((e) => e.type === "cancelled" && !e.verdict);
}
