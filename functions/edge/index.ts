/**
 * Flexiti Edge: the Worker between storefronts, order systems and the Flexiti POS API.
 * See app.ts for its routes; each order's state lives in an `Order` Durable Object.
 */
import { writeBigIntsAsJsonNumbers } from "../contract/lossless-json.ts";
import { createEdgeApp } from "./app.ts";

export { TokenBrokerObject } from "./flexiti/token-broker-object.ts";
export { Order } from "./orders/order.ts";

// Flexiti's ids past 2^53 are bigints here (lossless-json.ts): every answer writes them as digits.
writeBigIntsAsJsonNumbers();

export default createEdgeApp();
