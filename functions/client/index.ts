// The typed clients that storefront, back-office and order-system developers import:
// one for the Flexiti POS API (directly, or through the edge at `{edge}/flexiti`), one for Flexiti's Online API
// (hosted checkout, notifications, payment calculator), one for the edge's own routes.

export type { components as EdgeComponents, paths as EdgePaths } from "../../generated/edge-api.ts";
export type { paths as FlexitiEdgePaths } from "../../generated/flexiti-edge-api.ts";
export type {
	components as FlexitiOnlineComponents,
	operations as FlexitiOnlineOperations,
	paths as FlexitiOnlinePaths,
} from "../../generated/flexiti-online-api.ts";
export type {
	components as FlexitiComponents,
	operations as FlexitiOperations,
	paths as FlexitiPaths,
} from "../../generated/flexiti-pos-api.ts";
export { createEdgeClient, type EdgeClient, type EdgeClientOptions } from "./edge.ts";
export {
	createFlexitiClient,
	type FlexitiClient,
	type FlexitiClientOptions,
	type FlexitiClientPaths,
	type TokenProvider,
} from "./flexiti.ts";
export { createFlexitiEdgeClient, type FlexitiEdgeClient, type FlexitiEdgeClientOptions } from "./flexiti-edge.ts";
export {
	createFlexitiOnlineClient,
	type FlexitiOnlineClient,
	type FlexitiOnlineClientOptions,
	type FlexitiOnlineClientPaths,
} from "./flexiti-online.ts";
