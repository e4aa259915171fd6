// Type-level test, compiled by `tsc` in `npm run check`: an edge route made with `edgeOperation` gets
// its request typed from spec/edge-api.yaml and may answer only what the spec says that operation
// answers. A `@ts-expect-error` that stops erroring fails the build.
import { edgeOperation } from "../../functions/edge/routes/edge-operation.ts";

export const typedRequest = edgeOperation("createCheckout", async (_c, { body }, answer) => {
	const amount: number = body.amount;
	const reference: string = body.reference;
	// @ts-expect-error the spec's CheckoutRequest has no `currency`
	body.currency;
	const checkout = {
		checkout_id: "a".repeat(64),
		client_id: "flexitidemo",
		reference,
		amount,
		lang: "en" as const,
		auto_capture: false,
		status: "open" as const,
		expires_at: "2026-12-01T00:00:00.000Z",
	};
	if (amount > 1000) {
		// @ts-expect-error createCheckout answers 201, not 200
		return answer(200, { ...checkout, client_token: "t" });
	}
	if (amount > 100) {
		// @ts-expect-error a created checkout carries its client_token
		return answer(201, checkout);
	}
	return answer(201, { ...checkout, client_token: "t" });
});

export const typedQuery = edgeOperation("listOrders", async (_c, { query }, answer) => {
	const limit: number | undefined = query.limit;
	// @ts-expect-error `status` is the spec's enum, not any string
	const status: "anything" | undefined = query.status;
	return answer(200, { orders: [], ...(limit && status ? {} : {}) });
});

// @ts-expect-error a handler answers through `answer`, never with a Response the spec does not describe
export const untyped = edgeOperation("getHealth", async (c) => c.json({ anything: true }));

export const envelope = edgeOperation("getOrderLedger", (_c, _r, answer) =>
	// @ts-expect-error refusals are EdgeErrors: the error envelope is not something a handler answers
	answer(404, { message: "m", error: "not_found" }),
);

// A status the spec gives a body besides the envelope (readiness's 503) is answered like any other.
export const notReady = edgeOperation("getReadiness", (_c, _r, answer) =>
	answer(503, { status: "not_ready", settings: "ok", flexiti: [] }),
);
