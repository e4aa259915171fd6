/**
 * No signed webhook is ever a 500 (issue 9 item 5): the platforms' payloads with fields of other
 * types, and `null` among the items of note_attributes, line_items, tax_lines, discount_allocations,
 * transactions, refunds and meta_data, sent signed to the edge. Each is answered 200 — so neither
 * Shopify nor WooCommerce retries it forever or disables the subscription — and, when the payload
 * still names its order, recorded on it with the reason.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { mutate, mutation, SHAPED_FIELDS } from "../fixtures/payload-mutations.ts";
import {
	shopifyBigId,
	shopifySampleFulfillment,
	shopifySampleOrder,
	shopifySampleRefund,
	wooSampleOrder,
} from "../fixtures/platform-payloads.ts";
import { resetSandbox } from "./support.ts";
import { authorizedOrder, settledLedger, shopifyWebhook, wooWebhook } from "./webhooks-support.ts";

const orderId = shopifyBigId();
const wooId = 900_000 + Math.floor(Math.random() * 1e6);

beforeAll(async () => {
	await resetSandbox();
	await authorizedOrder(orderId, 500);
	await authorizedOrder(`WC-${wooId}`, 500);
});

describe("signed payloads of unexpected shapes are answered 200, never 500", () => {
	it.each([
		[
			"orders/fulfilled",
			() => shopifySampleOrder(orderId, { fulfillment_status: "fulfilled" }),
			SHAPED_FIELDS.shopifyOrder,
		],
		[
			"fulfillments/create",
			() => shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" }),
			SHAPED_FIELDS.shopifyFulfillment,
		],
		["refunds/create", () => shopifySampleRefund(shopifyBigId(), orderId, "1.00"), SHAPED_FIELDS.shopifyRefund],
	] as const)("Shopify %s", async (topic, sample, fields) => {
		await fc.assert(
			fc.asyncProperty(fc.array(mutation(fields), { minLength: 1, maxLength: 2 }), async (mutations) => {
				const response = await shopifyWebhook(topic, mutate(sample(), mutations));
				expect(response.status).toBe(200);
			}),
			{ numRuns: 12 },
		);
	});

	it("WooCommerce order.updated", async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(mutation(SHAPED_FIELDS.wooOrder), { minLength: 1, maxLength: 2 }),
				async (mutations) => {
					const order = wooSampleOrder(wooId, `WC-${wooId}`, { status: "processing" });
					const response = await wooWebhook("order.updated", mutate(order, mutations));
					expect(response.status).toBe(200);
				},
			),
			{ numRuns: 12 },
		);
	});

	it("a recorded one says which field and why, on the order", async () => {
		const fulfillment = shopifySampleFulfillment(shopifyBigId(), orderId, { status: "success" });
		fulfillment.line_items = [{ ...fulfillment.line_items[0], tax_lines: [null], discount_allocations: "none" }];
		expect((await shopifyWebhook("fulfillments/create", fulfillment)).status).toBe(200);
		const order = wooSampleOrder(wooId, `WC-${wooId}`, { status: "completed", refunds: [null] });
		expect((await wooWebhook("order.updated", order)).status).toBe(200);
		const shopifyEvent = (await settledLedger(orderId)).events.at(-1);
		expect(shopifyEvent).toMatchObject({ type: "noted", status: "refused" });
		expect(shopifyEvent?.outcome).toContain("line_items[0].tax_lines[0] is not an object (null)");
		expect(shopifyEvent?.outcome).toContain("line_items[0].discount_allocations is not an array (a string)");
		const wooEvent = (await settledLedger(`WC-${wooId}`)).events.at(-1);
		expect(wooEvent).toMatchObject({
			type: "noted",
			status: "refused",
			outcome: expect.stringContaining("refunds[0] is not an object (null)"),
		});
		expect(shopifyEvent?.calls).toEqual([]);
		expect(wooEvent?.calls).toEqual([]);
	});
});
