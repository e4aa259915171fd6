/**
 * The edge's rules for its `/flexiti` surface, as data: what of Flexiti's POS API it serves, to whom,
 * and what a shopper's checkout decides. The edge enforces them (callers/shopper-policy.ts,
 * callers/merchant-policy.ts, routes/checkout-rules.ts) and scripts/flexiti-surface.ts writes them
 * into the spec of the surface (generated/flexiti-edge-api.json), so the two cannot disagree.
 */

/** Operations the edge does not forward at all. */
export const notServed = {
	createToken: "The edge mints Flexiti's tokens itself; a caller authenticates with the edge's credentials.",
} as const;

/**
 * Customer-scope operations that are not a shopper's at a merchant's checkout (Flexiti's customer
 * scope is the outer bound of what a checkout's client token reaches).
 */
export const notForShoppers = {
	closeAccount: "Closing a Quebec account is not a shopper's to do at a merchant's checkout.",
	verifyAccount: "The in-store PIN verification (Flexiti: 'In-store only').",
} as const;

/** Operations a merchant key may not call, although Flexiti's merchant scope would allow them. */
export const notForMerchants = {
	initWidget:
		"The widget's redirection_url embeds the token it was opened with and ends up in a browser: a widget runs on a checkout's customer token only (create a checkout, let the storefront call widget/init with its client_token).",
} as const;

/**
 * Body fields a shopper's checkout decides, by operation. `required`: the edge sets the checkout's
 * value when the shopper omits it, and refuses another value (409 `wrong_inputs` naming the field),
 * never replacing it silently. `default`: the edge sets the checkout's value only when omitted.
 */
export const checkoutFills = {
	createAuthorization: {
		amount: { kind: "required", from: "the checkout's amount" },
		reference: { kind: "required", from: "the checkout's reference" },
		auto_capture: { kind: "required", from: "the checkout's auto_capture" },
		widget_session_id: { kind: "default", from: "the checkout's widget session, once the widget was opened" },
	},
	initWidget: {
		lang: { kind: "default", from: "the checkout's language" },
	},
} as const satisfies Record<string, Record<string, { kind: "required" | "default"; from: string }>>;
