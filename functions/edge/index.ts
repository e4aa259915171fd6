/**
 * Flexiti Edge: the Worker between storefronts, order systems and the Flexiti POS API.
 * See app.ts for its routes; each order's state lives in an `Order` Durable Object.
 */
import { createEdgeApp } from "./app.ts";

export { TokenBrokerObject } from "./flexiti/token-broker-object.ts";
export { Order } from "./orders/order.ts";

export default createEdgeApp();
