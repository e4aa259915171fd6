// Type-level test, compiled by `tsc` in `npm run check`: the generated types accept a valid
// capture request and reject invalid ones. A `@ts-expect-error` that stops erroring fails the build.
import type { FlexitiComponents, FlexitiOperations } from "../../functions/client/index.ts";

type CaptureBody = NonNullable<FlexitiOperations["captureAuthorization"]["requestBody"]>["content"]["application/json"];

export const validCapture: CaptureBody = {
	amount: 120.5,
	reference: "ORDER-1001",
	sku_data: { shipping_total: 10, products: [{ sku_id: "SKU-1", quantity: 1, unit_price: 110.5 }] },
};

// @ts-expect-error amount is required
export const missingAmount: CaptureBody = { reference: "ORDER-1001" };

// @ts-expect-error amount is a number, not a string
export const stringAmount: CaptureBody = { amount: "120.50" };

type Scope = NonNullable<FlexitiComponents["schemas"]["TokenRequest"]["scope"]>;
export const customerScope: Scope = "customer";
// @ts-expect-error only `merchant` and `customer` scopes exist
export const adminScope: Scope = "admin";
