/** The demo store's own order records (a real store's database): which checkout pays which order. */
import type { DemoEnv } from "./env.ts";

export interface DemoOrder {
	reference: string;
	checkout_id: string;
	amount: number;
	product: string;
	/** How the shopper pays (absent: widget, orders from before channels). */
	channel?: "widget" | "hosted";
	/** Hosted checkouts: the store's page Flexiti's checkout ends on (through the edge). */
	return_url?: string;
	created_at: string;
}

export async function saveOrder(env: DemoEnv, order: DemoOrder): Promise<void> {
	await env.DEMO_ORDERS.put(`order:${order.reference}`, JSON.stringify(order));
}

export async function findOrder(env: DemoEnv, reference: string): Promise<DemoOrder | undefined> {
	return (await env.DEMO_ORDERS.get<DemoOrder>(`order:${reference}`, "json")) ?? undefined;
}

/** Newest first. */
export async function listOrders(env: DemoEnv): Promise<DemoOrder[]> {
	const { keys } = await env.DEMO_ORDERS.list({ prefix: "order:" });
	const orders = await Promise.all(keys.map((key) => env.DEMO_ORDERS.get<DemoOrder>(key.name, "json")));
	return orders.filter((o): o is DemoOrder => o !== null).sort((a, b) => b.created_at.localeCompare(a.created_at));
}
