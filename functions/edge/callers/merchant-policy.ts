/**
 * What a merchant's key may not do through the edge, although Flexiti's merchant scope would allow it.
 * The Flexiti widget: its `redirection_url` embeds the token it was opened with and always ends up in
 * a browser, so a widget opened with a merchant-scope token would hand that token (look up customers,
 * list and capture authorizations) to whoever sees the URL. A widget flow runs on a checkout's own
 * customer token only: the merchant creates a checkout and the storefront opens the widget with it.
 */
import type { FlexitiOperationId } from "../../../generated/flexiti-operations.ts";
import { notForMerchants } from "../../contract/flexiti-surface-rules.ts";
import { EdgeError } from "../core/errors.ts";

// The rule's one statement, which the /flexiti surface's spec is generated from too.
const browserOnly: ReadonlySet<string> = new Set(Object.keys(notForMerchants));

/** Why a merchant may not call this operation, if it may not. */
export function merchantRefusal(operationId: FlexitiOperationId): EdgeError | undefined {
	if (!browserOnly.has(operationId)) return undefined;
	return new EdgeError(
		"widget_needs_checkout",
		"The Flexiti widget runs on a checkout's customer token, never on a merchant token: create a checkout " +
			"(POST /v1/checkouts) and let the storefront call widget/init with its client_token",
	);
}
