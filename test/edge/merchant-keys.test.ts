/**
 * Merchant API keys act only for the Flexiti clients they are configured for (issue 9, item 4). The
 * test edge lists one more key, `flexitidemo2:<digest>`, tied to the second client only
 * (vitest.config.ts); the local key is bare, so it acts for every client, as a one-client deployment's does.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createEdgeApp } from "../../functions/edge/app.ts";
import { MERCHANT_KEY, SECOND_CLIENT_KEY } from "../support/demo-credentials.ts";
import { CLIENT_ID, EDGE, edgeApi, edgeFetch, flexitiViaEdge, openCheckout, resetSandbox } from "./support.ts";
import { authorizedOrder } from "./webhooks-support.ts";

const SECOND_CLIENT = "flexitidemo2";

beforeEach(resetSandbox);

describe("a key tied to one client", () => {
	const second = () => edgeApi(SECOND_CLIENT_KEY);

	it("opens checkouts for its client, by default and by name, and for no other", async () => {
		const reference = `WEB-${crypto.randomUUID().slice(0, 8)}`;
		const own = await second().POST("/v1/checkouts", { body: { reference, amount: 10 } });
		expect(own.response.status).toBe(201);
		expect(own.data?.client_id).toBe(SECOND_CLIENT);
		const other = await second().POST("/v1/checkouts", { body: { reference, amount: 10, client_id: CLIENT_ID } });
		expect(other.response.status).toBe(403);
		expect(other.error).toMatchObject({ error: "client_not_permitted", message: expect.stringContaining(CLIENT_ID) });
	});

	it("cannot read another client's checkout, ledger, or replay its events", async () => {
		const checkout = await openCheckout();
		const read = await second().GET("/v1/checkouts/{checkout_id}", {
			params: { path: { checkout_id: checkout.checkout_id } },
		});
		expect(read.response.status).toBe(403);
		expect(read.error).toMatchObject({ error: "client_not_permitted" });

		const reference = `TILL-${crypto.randomUUID().slice(0, 8)}`;
		await authorizedOrder(reference, 30);
		const ledger = await second().GET("/v1/orders/{reference}", {
			params: { path: { reference }, query: { client_id: CLIENT_ID } },
		});
		expect(ledger.response.status).toBe(403);
		const replay = await second().POST("/v1/orders/{reference}/events/{event_id}/replay", {
			params: { path: { reference, event_id: "any" }, query: { client_id: CLIENT_ID } },
		});
		expect(replay.response.status).toBe(403);
		// Its own client's view of the same reference is simply another (absent) order.
		const own = await second().GET("/v1/orders/{reference}", { params: { path: { reference } } });
		expect(own.response.status).toBe(404);
	});

	it("calls Flexiti for its client only", async () => {
		const terms = "/v2.5/client-id/{client_id}/terms-and-conditions" as const;
		const other = await flexitiViaEdge(SECOND_CLIENT_KEY).GET(terms, { params: { path: { client_id: CLIENT_ID } } });
		expect(other.response.status).toBe(403);
		expect(other.error).toMatchObject({ error: "client_not_permitted" });
		const own = await flexitiViaEdge(SECOND_CLIENT_KEY).GET(terms, { params: { path: { client_id: SECOND_CLIENT } } });
		expect(own.response.status).toBe(200);
	});

	it("a bare key still acts for every client (one-client deployments stay as simple)", async () => {
		const response = await edgeFetch(
			new Request(`${EDGE}/flexiti/v2.5/client-id/${SECOND_CLIENT}/terms-and-conditions`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(response.status).toBe(200);
	});
});

describe("MERCHANT_API_KEY_HASHES", () => {
	it("naming a client FLEXITI_CLIENTS does not have is a 503 naming the setting", async () => {
		const ctx = createExecutionContext();
		const response = await createEdgeApp().fetch(
			new Request(`${EDGE}/v1/checkouts`, { method: "POST", headers: { authorization: "Bearer x" } }),
			{ ...env, MERCHANT_API_KEY_HASHES: `nobody:${"0".repeat(64)}` },
			ctx,
		);
		await waitOnExecutionContext(ctx);
		expect(response.status).toBe(503);
		expect(await response.json()).toMatchObject({
			error: "edge_misconfigured",
			message: expect.stringContaining("MERCHANT_API_KEY_HASHES names a client id"),
		});
	});
});
