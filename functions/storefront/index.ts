/**
 * Flexiti Edge's storefront SDK: "Pay with Flexiti" on a merchant's checkout page, through the edge.
 *
 *   import { FlexitiEdge } from "flexiti-edge/storefront";
 *   const flexiti = FlexitiEdge({ edge: "https://pay.example.com", checkoutId, clientToken });
 *   const { authorizationId } = await flexiti.purchase({ customer: { account_number: 10000000000001 } });
 *
 * Importing it in a browser also defines `<flexiti-checkout>` (element.ts).
 */
import { FlexitiCheckoutElement } from "./element.ts";
import { FlexitiEdgeCheckout, type FlexitiEdgeOptions } from "./flexiti-edge.ts";
import { FlexitiPromoElement } from "./promo.ts";

export { type FieldError, FlexitiEdgeError, type StorefrontErrorCode } from "./errors.ts";
export type {
	Applicant,
	Application,
	ApplyOptions,
	ApplyResult,
	Authorization,
	Checkout,
	Financing,
	FinancingOffer,
	FinancingOption,
	FlexitiEdgeEvents,
	FlexitiEdgeOptions,
	PurchaseOptions,
	PurchaseResult,
} from "./flexiti-edge.ts";
export { type PromotionalMessage, type PromotionalMessageOptions, promotionalMessage } from "./promo.ts";
export { FlexitiCheckoutElement, FlexitiEdgeCheckout, FlexitiPromoElement };

/** One checkout's "Pay with Flexiti": `purchase()`, `apply()`, and progress events (`on`). */
export function FlexitiEdge(options: FlexitiEdgeOptions): FlexitiEdgeCheckout {
	return new FlexitiEdgeCheckout(options);
}

if (typeof customElements !== "undefined" && !customElements.get("flexiti-checkout")) {
	customElements.define("flexiti-checkout", FlexitiCheckoutElement);
}
if (typeof customElements !== "undefined" && !customElements.get("flexiti-promo")) {
	customElements.define("flexiti-promo", FlexitiPromoElement);
}
