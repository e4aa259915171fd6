import type { OperationHandlers } from "../operation.ts";
import { customerOperations } from "./customers.ts";
import { onlineOperations } from "./online.ts";
import { purchaseOperations } from "./purchases.ts";
import { referenceDataOperations } from "./reference-data.ts";

/** Every spec operation but the token endpoint (which speaks OAuth, see tokens.ts) has its handler here. */
export type SandboxHandlers = Omit<OperationHandlers, "createToken">;

export const sandboxHandlers: SandboxHandlers = {
	...referenceDataOperations,
	...onlineOperations,
	...customerOperations,
	...purchaseOperations,
};
