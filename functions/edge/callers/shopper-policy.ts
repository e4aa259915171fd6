/**
 * What a shopper's browser may ask Flexiti for through the edge. Flexiti's `customer` scope (the spec's
 * security requirements) is the outer bound; within it, two operations are not a shopper's to do at a
 * merchant's checkout: closing a Quebec account and the in-store PIN verification (the docs call it
 * "In-store only"). And an operation that names an account must name the checkout's account, once
 * the checkout knows it.
 */
import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";

const notForShoppers: ReadonlySet<FlexitiOperationId> = new Set(["closeAccount", "verifyAccount"]);

export type ShopperRefusal = { status: 403; error: string; message: string };

export function shopperRefusal(operationId: FlexitiOperationId, scopes: readonly string[]): ShopperRefusal | undefined {
	if (scopes.includes("customer") && !notForShoppers.has(operationId)) return undefined;
	return { status: 403, error: "insufficient_scope", message: "Insufficient scope: this operation needs a merchant" };
}

/** A call naming an account other than the one the checkout is for (when the checkout knows it). */
export function accountRefusal(
	named: string | undefined,
	checkoutAccount: string | undefined,
): ShopperRefusal | undefined {
	if (checkoutAccount === undefined || named === undefined || named === checkoutAccount) return undefined;
	return { status: 403, error: "account_mismatch", message: "This checkout is for another Flexiti account" };
}
