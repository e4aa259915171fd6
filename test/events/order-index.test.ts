/**
 * The order index (D1): GET /v1/orders finds orders by what they need — dead letters, attention,
 * authorized, captured — per client, paged; and a failed index write is repaired by the order itself.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { nextAlarm, orderOf, settle } from "../edge/alarms.ts";
import { CLIENT_ID, EDGE, edgeApi, edgeFetch, MERCHANT_KEY, sandbox } from "../edge/support.ts";
import { authorizedOrder, settledLedger, standardWebhook } from "../edge/webhooks-support.ts";

const reference = () => `IX-${crypto.randomUUID().slice(0, 8)}`;
const api = () => edgeApi(MERCHANT_KEY);

async function list(query: Record<string, string | number> = {}) {
	const { data, response } = await api().GET("/v1/orders", { params: { query } });
	if (!data) throw new Error(`GET /v1/orders answered ${response.status}`);
	return data;
}

/** Every page, following next_cursor. */
async function all(query: Record<string, string | number> = {}) {
	const orders = [];
	let cursor: string | undefined;
	do {
		const page = await list({ ...query, ...(cursor ? { cursor } : {}) });
		orders.push(...page.orders);
		cursor = page.next_cursor;
	} while (cursor);
	return orders;
}

describe("GET /v1/orders", () => {
	it("lists an authorized order, then as captured once it is", async () => {
		const ref = reference();
		const since = new Date().toISOString();
		await authorizedOrder(ref, 75);
		await settle(orderOf(ref));
		const found = await all({ status: "authorized", since });
		expect(found.find((x) => x.reference === ref)).toMatchObject({
			client_id: CLIENT_ID,
			status: "authorized",
			amount: 75,
			attention: false,
			captured: 0,
		});
		await standardWebhook("order.fulfilled", { reference: ref, amount: 30 });
		await settle(orderOf(ref));
		expect((await all({ status: "captured", since })).find((x) => x.reference === ref)).toMatchObject({ captured: 30 });
		expect((await all({ status: "authorized", since })).some((x) => x.reference === ref)).toBe(false);
	});

	it("lists every dead letter (status=dead_letter), and it needs attention", async () => {
		const ref = reference();
		const since = new Date().toISOString();
		await authorizedOrder(ref, 30);
		await sandbox("POST", "/sandbox/faults", { operation: "getAuthorization", count: 20, status: 503 });
		try {
			await standardWebhook("order.fulfilled", { reference: ref });
			// Three attempts (WEBHOOK_MAX_ATTEMPTS here), the order's clock moved to each of its wake-ups until the
			// event has settled (not just twice: a delivery slow to answer on a loaded machine wakes it in between).
			expect((await settledLedger(ref)).events[0]).toMatchObject({ status: "dead_letter", attempts: 3 });
			const dead = await all({ status: "dead_letter", since });
			expect(dead.find((x) => x.reference === ref)).toMatchObject({ dead_letter: true, attention: true });
			expect(dead.find((x) => x.reference === ref)?.reasons.join(" ")).toContain("dead letter");
			expect((await all({ status: "attention", since })).some((x) => x.reference === ref)).toBe(true);
		} finally {
			await sandbox("DELETE", "/sandbox/faults");
		}
	});

	it("since= a leap second (RFC 3339 allows :60) lists what changed after it, as its minute's last instant; never read as NaN", async () => {
		// A review found `since=2016-12-31T23:59:60Z` accepted and matching nothing (Date.parse: NaN).
		const ref = reference();
		await authorizedOrder(ref, 21);
		await settle(orderOf(ref));
		const listed = async (since: string) => (await all({ since })).some((x) => x.reference === ref);
		expect(await listed("2016-12-31T23:59:60Z")).toBe(true);
		expect(await listed("2016-12-31T23:59:60.5+00:00")).toBe(true);
		expect(await listed("9999-12-31T23:59:60Z")).toBe(false);
	});

	it("pages with a cursor: each order once, newest change first", async () => {
		const since = new Date().toISOString();
		const refs = [reference(), reference(), reference(), reference(), reference()];
		for (const ref of refs) {
			await authorizedOrder(ref, 11);
			await settle(orderOf(ref));
		}
		const orders = (await all({ since, limit: 2 })).filter((x) => refs.includes(x.reference));
		expect(orders).toHaveLength(5);
		const times = orders.map((x) => Date.parse(x.updated_at));
		expect([...times].sort((a, b) => b - a)).toEqual(times);
		expect((await list({ since, limit: 2 })).orders.length).toBeLessThanOrEqual(2);
	});

	it("pages past orders whose references are not Latin-1: the cursor carries any reference", async () => {
		const since = new Date().toISOString();
		const refs = [`Cmd-€-${crypto.randomUUID().slice(0, 8)}`, `注文-${crypto.randomUUID().slice(0, 8)}`];
		for (const ref of refs) {
			await authorizedOrder(ref, 13);
			await settle(orderOf(ref));
		}
		// One order a page: every page's next_cursor names the reference of the order it ended on.
		const orders = await all({ since, limit: 1 });
		expect(
			orders
				.filter((x) => refs.includes(x.reference))
				.map((x) => x.reference)
				.sort(),
		).toEqual([...refs].sort());
	});

	it("shows only the key's client: another client's orders are not listed", async () => {
		const ref = reference();
		const since = new Date().toISOString();
		await authorizedOrder(ref, 12);
		await settle(orderOf(ref));
		expect((await all({ since })).some((x) => x.reference === ref)).toBe(true);
		const other = await edgeFetch(
			new Request(`${EDGE}/v1/orders?client_id=flexitidemo2&since=${encodeURIComponent(since)}`, {
				headers: { authorization: `Bearer ${MERCHANT_KEY}` },
			}),
		);
		expect(other.status).toBe(200);
		const body = (await other.json()) as { orders: { reference: string }[] };
		expect(body.orders.some((x) => x.reference === ref)).toBe(false);
	});

	it.each([
		["status=lost", "status"],
		["since=yesterday", "since"],
		["limit=0", "limit"],
		["cursor=not-a-cursor", "cursor"],
	])("%s is a 409 wrong_inputs naming %s", async (query, field) => {
		const response = await edgeFetch(
			new Request(`${EDGE}/v1/orders?${query}`, { headers: { authorization: `Bearer ${MERCHANT_KEY}` } }),
		);
		expect(response.status).toBe(409);
		const body = (await response.json()) as { error: string; field_errors?: { param: string }[] };
		expect(body.error).toBe("wrong_inputs");
		expect(body.field_errors?.map((f) => f.param).join(" ")).toContain(field);
	});

	it("needs the merchant key", async () => {
		const response = await edgeFetch(new Request(`${EDGE}/v1/orders`));
		expect(response.status).toBe(401);
	});
});

describe("the index never misses an order", () => {
	it("a failed index write is repaired by the order (D1 down, then back)", async () => {
		const ref = reference();
		const since = new Date().toISOString();
		await list(); // the table exists
		// D1 refuses every write to the index while the order changes (triggers that abort them).
		const down = ["INSERT", "UPDATE"].map(
			(op) =>
				`CREATE TRIGGER index_down_${op} BEFORE ${op} ON order_index BEGIN SELECT RAISE(ABORT, 'index down'); END`,
		);
		for (const statement of down) await env.ORDER_INDEX.prepare(statement).run();
		const logged: string[] = [];
		const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
			logged.push(String(line));
		});
		try {
			await authorizedOrder(ref, 40);
			await settle(orderOf(ref));
			expect((await all({ since })).some((x) => x.reference === ref)).toBe(false);
		} finally {
			spy.mockRestore();
			for (const op of ["INSERT", "UPDATE"]) await env.ORDER_INDEX.prepare(`DROP TRIGGER index_down_${op}`).run();
		}
		// The failure is logged by the error's name, never its message (D1's, here, which may quote a value).
		const failures = logged.filter((line) => line.includes('"order_index_write_failed"'));
		expect(failures.length).toBeGreaterThan(0);
		for (const line of failures) {
			expect(JSON.parse(line)).toMatchObject({ event: "order_index_write_failed", name: expect.any(String) });
			expect(line).not.toContain("index down");
		}
		// The order still knows its row is unwritten: its alarm, set for the next try, writes it once D1 is back.
		await nextAlarm(orderOf(ref));
		const found = await all({ since });
		expect(found.find((x) => x.reference === ref)).toMatchObject({ status: "authorized", amount: 40 });
	});
});
