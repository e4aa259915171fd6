// The typed clients that storefront, back-office and order-system developers import.

export type {
	components as FlexitiComponents,
	operations as FlexitiOperations,
	paths as FlexitiPaths,
} from "../../generated/flexiti-pos-api.ts";
export { createFlexitiClient, type FlexitiClient, type FlexitiClientOptions, type TokenProvider } from "./flexiti.ts";
