/**
 * Daily reconciliation with Flexiti, against the sandbox and real D1: a clean day has no difference;
 * each kind of difference planted at the sandbox (its admin routes change Flexiti's record behind the
 * edge's back) is found, once, as a row the merchant lists and a signed `reconciliation.mismatch`
 * event — however often, and however concurrently, the day is reconciled; a run Flexiti cannot
 * answer records nothing and a re-run finds it all; rows D1 refused are written when it is back.
 * The second client's whole day is compared, so its orders in this project are this file's alone
 * (test/events/test-endpoints.ts); the tests build on each other's day, in order.
 */
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../../functions/edge/index.ts";
import { SETTLING_MS } from "../../functions/edge/reconciliation/reconciliation-object.ts";
import { reconciliationOf } from "../../functions/edge/reconciliation/run.ts";
import type { components } from "../../generated/edge-api.ts";
import { clockOf, moveClock, nextAlarm, orderOf, settle } from "../edge/alarms.ts";
import { edgeApi, flexitiViaEdge, MERCHANT_KEY, sandbox } from "../edge/support.ts";
import { authorizedOrder } from "../edge/webhooks-support.ts";
import { type Received, receivedAt, resetReceiver, script } from "./support.ts";
import { TEST_EVENT_ENDPOINTS } from "./test-endpoints.ts";

type Mismatch = components["schemas"]["ReconciliationMismatch"];
type MismatchEvent = components["schemas"]["ReconciliationMismatchEvent"];

const CLIENT = "flexitidemo2";
const SECRET_C =
	(JSON.parse(TEST_EVENT_ENDPOINTS) as Record<string, { secrets: string[] }[]>)[CLIENT]?.[0]?.secrets[0] ?? "";
const day = new Date().toISOString().slice(0, 10);
const reference = () => `RC-${crypto.randomUUID().slice(0, 8)}`;
const api = () => edgeApi(MERCHANT_KEY);

/**
 * Reconciles the day as a run would past the settling window: what a test planted at Flexiti a moment
 * ago is as if made ten minutes before (the day's clock moved on). `settled: false` runs it now.
 */
async function reconcile(body: { day: string; client_id?: string } = { day, client_id: CLIENT }, settled = true) {
	if (settled && body.client_id === CLIENT && body.day === day) {
		// Once ahead by the window, the clock stays ahead by it: anything planted since is as old.
		const ahead = (await clockOf(today())) - Date.now();
		if (ahead < SETTLING_MS + 1000) await moveClock(today(), SETTLING_MS + 1000 - ahead);
	}
	return api().POST("/v1/reconciliations", { body });
}

async function rows(query: { day?: string; client_id?: string; kind?: Mismatch["kind"] } = { day, client_id: CLIENT }) {
	const { data, response } = await api().GET("/v1/reconciliations", { params: { query } });
	if (!data) throw new Error(`GET /v1/reconciliations answered ${response.status}`);
	return data;
}

/** An authorized order of the second client, `captured` captured through the edge (its ledger has it). */
async function order(amount: number, captured?: number) {
	const ref = reference();
	const authorization = await authorizedOrder(ref, amount, false, CLIENT);
	let captureId: number | undefined;
	if (captured !== undefined) {
		const { data, response } = await flexitiViaEdge(MERCHANT_KEY).POST(
			"/v2.5/client-id/{client_id}/authorization/{authorization_id}/capture",
			{
				params: { path: { client_id: CLIENT, authorization_id: authorization.authorization_id } },
				body: { amount: captured },
			},
		);
		if (!data) throw new Error(`capture answered ${response.status}`);
		captureId = data.capture_id;
	}
	// Its row in the order index, written by its alarm: how a run finds the orders of its day.
	await settle(orderOf(ref, CLIENT));
	// The capture went through the edge, so the ledger entered it before the edge answered.
	const ledger = await api().GET("/v1/orders/{reference}", {
		params: { path: { reference: ref }, query: { client_id: CLIENT } },
	});
	expect(ledger.data?.captures.map((c) => c.capture_id)).toEqual(captureId === undefined ? [] : [captureId]);
	return { ref, authorizationId: authorization.authorization_id, captureId };
}

/** The reconciliation events the second client's endpoint received, verified as a receiver would. */
async function mismatchEvents(): Promise<{ request: Received; event: MismatchEvent }[]> {
	const all = await receivedAt("/c");
	return all
		.filter((r) => (JSON.parse(r.body) as { type: string }).type === "reconciliation.mismatch")
		.map((request) => ({
			request,
			event: new Webhook(SECRET_C).verify(request.body, request.headers) as MismatchEvent,
		}));
}

/** The day's reconciliation object (the second client's, today). */
const today = () => reconciliationOf(env, CLIENT, day);

/** The day's events once its alarm has delivered all that was due. */
async function eventsDelivered() {
	await settle(today());
	return mismatchEvents();
}

const summary = (m: Mismatch) => `${m.reference} ${m.subject} ${m.kind}`;

beforeAll(async () => {
	await resetReceiver(["/c"]);
});

describe("reconciliation with Flexiti", () => {
	const planted: string[] = [];

	it("what Flexiti made in the last ten minutes and a ledger lacks waits for a later run (a call may be on its way)", async () => {
		// An outside probe: a run while a capture through the edge awaited Flexiti's answer recorded it as made
		// outside the edge, for good, though the ledger had it seconds later. (First: the day's clock has not
		// moved yet. The runs of the tests below, past the window, find what they plant.)
		const outside = await order(12, 2);
		const planted = await sandbox("POST", "/sandbox/captures", {
			authorization_id: outside.authorizationId,
			amount: 1,
		});
		const { capture_id } = (await planted.json()) as { capture_id: number };
		const now = await reconcile({ day, client_id: CLIENT }, false);
		expect(now.response.status).toBe(200);
		expect(now.data?.mismatches).toEqual([]);
		expect(await mismatchEvents()).toEqual([]);
		// Gone again (as if its answer had reached the ledger), for the clean day below.
		expect((await sandbox("DELETE", `/sandbox/captures/${capture_id}`)).status).toBe(200);
	});

	it("a clean day (authorized, captured, all through the edge): no difference, no event", async () => {
		await order(100, 40);
		await order(50);
		const { data, response } = await reconcile();
		expect(response.status).toBe(200);
		expect(data).toMatchObject({ client_id: CLIENT, day, status: "completed", mismatches: [], new_mismatches: 0 });
		expect(data?.checked.flexiti_captures).toBeGreaterThanOrEqual(1);
		expect(data?.checked.flexiti_authorizations).toBeGreaterThanOrEqual(2);
		expect(data?.checked.ledgers).toBeGreaterThanOrEqual(2);
		const listed = await rows();
		expect(listed.mismatches).toEqual([]);
		expect(listed.runs).toMatchObject([{ client_id: CLIENT, day, mismatches: 0 }]);
		expect(await mismatchEvents()).toEqual([]);
	});

	it("finds each kind of planted difference, once: a row and a signed event each, and nothing else", async () => {
		// Captured at Flexiti outside the edge: the ledger lacks it.
		const outside = await order(80, 30);
		expect(
			(await sandbox("POST", "/sandbox/captures", { authorization_id: outside.authorizationId, amount: 20 })).status,
		).toBe(201);
		// Flexiti's capture says another amount.
		const differs = await order(60, 60);
		expect((await sandbox("PATCH", `/sandbox/captures/${differs.captureId}`, { amount: 55 })).status).toBe(200);
		// In the ledger, not at Flexiti.
		const lost = await order(70, 25);
		expect((await sandbox("DELETE", `/sandbox/captures/${lost.captureId}`)).status).toBe(200);
		// The authorization's amount differs.
		const authorizationDiffers = await order(45);
		expect(
			(await sandbox("PATCH", `/sandbox/authorizations/${authorizationDiffers.authorizationId}`, { amount: 40 }))
				.status,
		).toBe(200);
		// The ledger's authorization is not at Flexiti.
		const authorizationLost = await order(20);
		expect((await sandbox("DELETE", `/sandbox/authorizations/${authorizationLost.authorizationId}`)).status).toBe(200);
		// Flexiti authorized a reference of the edge's (an open checkout) that the ledger never heard of.
		const unheard = reference();
		expect(
			(await api().POST("/v1/checkouts", { body: { client_id: CLIENT, reference: unheard, amount: 33 } })).response
				.status,
		).toBe(201);
		expect(
			(
				await sandbox("POST", "/sandbox/authorizations", {
					client_id: CLIENT,
					account_number: "10000000000001",
					amount: 33,
					reference: unheard,
				})
			).status,
		).toBe(201);
		planted.push(
			`${outside.ref} capture missing_from_ledger`,
			`${differs.ref} capture amount_differs`,
			`${lost.ref} capture missing_at_flexiti`,
			`${authorizationDiffers.ref} authorization amount_differs`,
			`${authorizationLost.ref} authorization missing_at_flexiti`,
			`${unheard} authorization missing_from_ledger`,
		);

		const { data } = await reconcile();
		expect(data?.mismatches.map(summary).sort()).toEqual([...planted].sort());
		expect(data?.new_mismatches).toBe(6);
		const byKind = Object.fromEntries((data?.mismatches ?? []).map((m) => [summary(m), m]));
		expect(byKind[`${outside.ref} capture missing_from_ledger`]).toMatchObject({
			authorization_id: outside.authorizationId,
			flexiti_amount: 20,
		});
		expect(byKind[`${differs.ref} capture amount_differs`]).toMatchObject({
			capture_id: differs.captureId,
			flexiti_amount: 55,
			ledger_amount: 60,
		});
		expect(byKind[`${lost.ref} capture missing_at_flexiti`]).toMatchObject({
			capture_id: lost.captureId,
			ledger_amount: 25,
		});
		expect(byKind[`${authorizationDiffers.ref} authorization amount_differs`]).toMatchObject({
			flexiti_amount: 40,
			ledger_amount: 45,
		});

		// The rows the merchant lists are the same differences.
		const listed = await rows();
		expect(listed.mismatches.map(summary).sort()).toEqual([...planted].sort());
		expect(listed.runs[0]?.mismatches).toBe(6);
		expect((await rows({ day, client_id: CLIENT, kind: "missing_at_flexiti" })).mismatches).toHaveLength(2);

		// One signed event per difference, its webhook-id the mismatch's id.
		const events = await eventsDelivered();
		expect(events).toHaveLength(6);
		for (const { request, event } of events) {
			expect(event.type).toBe("reconciliation.mismatch");
			expect(request.headers["webhook-id"]).toBe(event.data.id);
		}
		expect(events.map(({ event }) => summary(event.data)).sort()).toEqual([...planted].sort());

		// Again: nothing new, no row or event twice.
		const again = await reconcile();
		expect(again.data?.new_mismatches).toBe(0);
		expect(again.data?.mismatches.map((m) => m.id).sort()).toEqual(data?.mismatches.map((m) => m.id).sort());
		expect(await eventsDelivered()).toHaveLength(6);
		expect((await rows()).mismatches).toHaveLength(6);
	});

	it("two runs of the same day at once: one run, each new difference once", async () => {
		const outside = await order(90, 10);
		await sandbox("POST", "/sandbox/captures", { authorization_id: outside.authorizationId, amount: 15 });
		planted.push(`${outside.ref} capture missing_from_ledger`);
		const [first, second] = await Promise.all([reconcile(), reconcile()]);
		expect(first.response.status).toBe(200);
		expect(second.response.status).toBe(200);
		expect(first.data?.mismatches.map(summary).sort()).toEqual([...planted].sort());
		expect(second.data?.mismatches.map((m) => m.id).sort()).toEqual(first.data?.mismatches.map((m) => m.id).sort());
		expect((await rows()).mismatches.map(summary).sort()).toEqual([...planted].sort());
		const events = await eventsDelivered();
		expect(events).toHaveLength(7);
		expect(new Set(events.map(({ event }) => event.data.id)).size).toBe(7);
	});

	it("a run Flexiti cannot answer whole records nothing (503); the re-run finds the difference, once", async () => {
		const outside = await order(35, 5);
		await sandbox("POST", "/sandbox/captures", { authorization_id: outside.authorizationId, amount: 7 });
		// The captures are read, then the authorizations fail on each of the edge's three attempts (the
		// fault is used up by them: no clearing of faults other files may have set).
		await sandbox("POST", "/sandbox/faults", { operation: "listAuthorizations", count: 3, status: 503 });
		const failed = await reconcile();
		expect(failed.response.status).toBe(503);
		expect(failed.error).toMatchObject({ error: "reconciliation_incomplete" });
		expect((await rows()).mismatches).toHaveLength(7);
		expect(await eventsDelivered()).toHaveLength(7);
		planted.push(`${outside.ref} capture missing_from_ledger`);
		const rerun = await reconcile();
		expect(rerun.data?.new_mismatches).toBe(1);
		expect(rerun.data?.mismatches.map(summary).sort()).toEqual([...planted].sort());
		expect(await eventsDelivered()).toHaveLength(8);
	});

	it("rows D1 refused are written once it is back (the day's object keeps them and retries)", async () => {
		const outside = await order(25, 5);
		await sandbox("POST", "/sandbox/captures", { authorization_id: outside.authorizationId, amount: 3 });
		planted.push(`${outside.ref} capture missing_from_ledger`);
		await env.ORDER_INDEX.prepare(
			"CREATE TRIGGER reconciliation_down BEFORE INSERT ON reconciliation_mismatch BEGIN SELECT RAISE(ABORT, 'down'); END",
		).run();
		try {
			const { data } = await reconcile();
			expect(data?.new_mismatches).toBe(1);
			expect((await rows()).mismatches).toHaveLength(8);
		} finally {
			await env.ORDER_INDEX.prepare("DROP TRIGGER reconciliation_down").run();
		}
		// D1 is back: the day's clock moved to its alarm (the rows' next try) rather than slept to; it writes them.
		await nextAlarm(today());
		expect((await rows()).mismatches.map(summary).sort()).toEqual([...planted].sort());
		expect(await eventsDelivered()).toHaveLength(9);
	});

	it("a delivery its endpoint refused is seen in the day's events and sent again by redeliver, same webhook-id", async () => {
		// An outside probe: a reconciliation.mismatch whose delivery failed (410) showed nowhere and had no redeliver.
		const outside = await order(15, 5);
		await sandbox("POST", "/sandbox/captures", { authorization_id: outside.authorizationId, amount: 2 });
		planted.push(`${outside.ref} capture missing_from_ledger`);
		await script("/c", [410]);
		expect((await reconcile()).data?.new_mismatches).toBe(1);
		await settle(today());
		const read = () =>
			api().GET("/v1/reconciliations/{day}/events", { params: { path: { day }, query: { client_id: CLIENT } } });
		const { data } = await read();
		expect(data?.events).toHaveLength(10);
		const failed = data?.events
			.flatMap((e) => e.deliveries.map((d) => ({ event: e, delivery: d })))
			.filter(({ delivery }) => delivery.status === "failed");
		expect(failed?.map(({ delivery }) => delivery.last_status)).toEqual([410]);
		const event = failed?.[0]?.event;
		const delivery = failed?.[0]?.delivery;
		const sentBefore = (await mismatchEvents()).length;
		const redeliver = (delivery_id: string, client_id = CLIENT) =>
			api().POST("/v1/reconciliations/{day}/deliveries/{delivery_id}/redeliver", {
				params: { path: { day, delivery_id }, query: { client_id } },
			});
		const again = await redeliver(delivery?.id ?? "");
		expect(again.response.status).toBe(202);
		await settle(today());
		const sent = await mismatchEvents();
		expect(sent).toHaveLength(sentBefore + 1);
		expect(sent.at(-1)?.request.headers["webhook-id"]).toBe(event?.id);
		expect((await read()).data?.events.find((e) => e.id === event?.id)?.deliveries[0]?.status).toBe("delivered");
		// No such delivery; another client's key; a day that is not one.
		expect((await redeliver("nope")).response.status).toBe(404);
		expect((await redeliver(delivery?.id ?? "", "flexitidemo")).response.status).toBe(404);
		const other = await edgeApi("fe_local_second_client_key").GET("/v1/reconciliations/{day}/events", {
			params: { path: { day }, query: { client_id: "flexitidemo" } },
		});
		expect(other.response.status).toBe(403);
		const notADay = await api().GET("/v1/reconciliations/{day}/events", {
			params: { path: { day: "2026-02-30" }, query: { client_id: CLIENT } },
		});
		expect(notADay.response.status).toBe(409);
	});

	it("lists every difference of a day in pages of `limit`, each once, with next_cursor while there are more", async () => {
		// An outside probe: the list stopped at `limit` and said nothing of the rest.
		const whole = (await rows()).mismatches.map((m) => m.id);
		expect(whole).toHaveLength(planted.length);
		const paged: string[] = [];
		let cursor: string | undefined;
		for (let page = 0; page < 20; page++) {
			const { data } = await api().GET("/v1/reconciliations", {
				params: { query: { day, client_id: CLIENT, limit: 3, ...(cursor ? { cursor } : {}) } },
			});
			expect(data?.mismatches.length).toBeLessThanOrEqual(3);
			paged.push(...(data?.mismatches.map((m) => m.id) ?? []));
			cursor = data?.next_cursor;
			if (!cursor) break;
		}
		expect(paged).toEqual(whole);
		const refused = await api().GET("/v1/reconciliations", {
			params: { query: { day, client_id: CLIENT, cursor: "not-a-cursor" } },
		});
		expect(refused.response.status).toBe(409);
		expect(refused.error?.field_errors?.[0]?.param).toBe("cursor");
	});
});

describe("the daily Cron Trigger", () => {
	it("reconciles the day before for every client", async () => {
		// 2020-01-02 06:30 UTC: the day before has nothing at Flexiti or in any ledger.
		const controller = createScheduledController({ scheduledTime: Date.UTC(2020, 0, 2, 6, 30), cron: "30 6 * * *" });
		const ctx = createExecutionContext();
		await worker.scheduled(controller, env, ctx);
		await waitOnExecutionContext(ctx);
		for (const client_id of ["flexitidemo", CLIENT]) {
			const listed = await rows({ day: "2020-01-01", client_id });
			expect(listed.runs, client_id).toMatchObject([{ client_id, day: "2020-01-01", mismatches: 0 }]);
			expect(listed.mismatches).toEqual([]);
		}
	});
});

describe("POST /v1/reconciliations refuses", () => {
	it.each([
		[{}, "day"],
		[{ day: "yesterday" }, "day"],
		[{ day: "2026-02-30" }, "day"],
		[{ day: "2999-01-01" }, "day"],
		[{ day, extra: 1 }, "extra"],
	])("%j: 409 wrong_inputs naming %s, nothing run", async (body, field) => {
		const { response, error } = await api().POST("/v1/reconciliations", { body: body as never });
		expect(response.status).toBe(409);
		expect(error?.error).toBe("wrong_inputs");
		expect(error?.field_errors?.map((f) => f.param).join(" ")).toContain(field);
	});

	it("a client the key does not act for", async () => {
		const { response } = await edgeApi("fe_local_second_client_key").POST("/v1/reconciliations", {
			body: { day, client_id: "flexitidemo" },
		});
		expect(response.status).toBe(403);
	});
});
