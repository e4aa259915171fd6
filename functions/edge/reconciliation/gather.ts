/**
 * Reads what reconciliation compares, for one client and day: Flexiti's captures of the day and
 * authorizations created that day (every page), and the ledgers of the edge's orders that could
 * hold a movement of that day — those the order index shows changed since the day began, and any a
 * Flexiti record names by reference. Then asks Flexiti about each ledger movement of the day its
 * lists did not hold. Any failure throws: a comparison on half of Flexiti's record would report
 * differences that are not there, so nothing is compared unless everything was read.
 */
import type { EdgeBindings } from "../core/env.ts";
import { callFlexiti, merchantTokens, succeeded, successBody, type TokenSource } from "../flexiti/gateway.ts";
import { orderByReference } from "../orders/order-stubs.ts";
import {
	type DayRecord,
	type FlexitiAuthorization,
	type FlexitiCapture,
	type LedgerOrder,
	unlisted,
} from "./compare.ts";
import { referencesChangedSince } from "./reconciliation-store.ts";

const PAGE_SIZE = 100;
/** 100 pages of 100: far above a day's volume for one merchant; more is refused rather than cut short. */
const MAX_PAGES = 100;

/** Flexiti could not give its record whole; nothing may be concluded. */
export class IncompleteRecord extends Error {
	constructor(message: string) {
		super(message);
		this.name = "IncompleteRecord";
	}
}

export async function gatherDay(
	env: EdgeBindings,
	clientId: string,
	day: string,
	waitUntil: (promise: Promise<unknown>) => void,
): Promise<DayRecord> {
	const tokens = merchantTokens(env, clientId, waitUntil);
	const header = { "x-reference-id": crypto.randomUUID() };
	const reader = { env, clientId, tokens, header };
	const captures = await listAll(reader, "listCaptures", { capture_date_from: day, capture_date_to: day });
	const authorizations = await listAll(reader, "listAuthorizations", {
		creation_date_from: day,
		creation_date_to: day,
	});

	const references = new Set(await referencesChangedSince(env.ORDER_INDEX, clientId, Date.parse(`${day}T00:00:00Z`)));
	for (const item of [...captures, ...authorizations]) if (item.reference) references.add(item.reference);
	const views = await Promise.all(
		[...references].map((reference) => orderByReference(env, clientId, reference).order.reconciliationView()),
	);
	const ledgers: LedgerOrder[] = [];
	for (const view of views) if (view) ledgers.push(view);

	const ask = unlisted({ day, captures, authorizations, ledgers });
	const capturesElsewhere = new Map<number, FlexitiCapture | null>();
	for (const authorizationId of new Set(ask.captures.map((c) => c.authorization_id))) {
		const ofAuthorization = await listAll(reader, "listCaptures", { authorization_id: String(authorizationId) });
		for (const { capture_id } of ask.captures.filter((c) => c.authorization_id === authorizationId)) {
			capturesElsewhere.set(capture_id, ofAuthorization.find((c) => c.capture_id === capture_id) ?? null);
		}
	}
	const authorizationsElsewhere = new Map<number | bigint, FlexitiAuthorization | null>();
	for (const authorizationId of ask.authorizations) {
		const result = await callFlexiti(
			env,
			"getAuthorization",
			{ params: { client_id: clientId, authorization_id: String(authorizationId) }, header },
			tokens,
		);
		if (result.response.status === 404) authorizationsElsewhere.set(authorizationId, null);
		else if (succeeded(result)) authorizationsElsewhere.set(authorizationId, successBody(result));
		else throw new IncompleteRecord(`Flexiti answered ${result.response.status} to getAuthorization`);
	}
	return { clientId, day, captures, authorizations, ledgers, capturesElsewhere, authorizationsElsewhere };
}

/** Who reads Flexiti's listings, and with what. */
interface Reader {
	env: EdgeBindings;
	clientId: string;
	tokens: TokenSource;
	header: Record<string, string>;
}

type Listing = "listCaptures" | "listAuthorizations";

/** Every page of a Flexiti listing, its items typed as the operation's answer (the overloads say which). */
async function listAll(
	from: Reader,
	operation: "listCaptures",
	filter: Record<string, string>,
): Promise<FlexitiCapture[]>;
async function listAll(
	from: Reader,
	operation: "listAuthorizations",
	filter: Record<string, string>,
): Promise<FlexitiAuthorization[]>;
async function listAll(
	{ env, clientId, tokens, header }: Reader,
	operation: Listing,
	filter: Record<string, string>,
): Promise<(FlexitiCapture | FlexitiAuthorization)[]> {
	const items: (FlexitiCapture | FlexitiAuthorization)[] = [];
	for (let page = 1; page <= MAX_PAGES; page += 1) {
		const result = await callFlexiti(
			env,
			operation,
			{
				params: { client_id: clientId },
				query: { ...filter, page_number: String(page), page_size: String(PAGE_SIZE) },
				header,
			},
			tokens,
		);
		if (!succeeded(result)) throw new IncompleteRecord(`Flexiti answered ${result.response.status} to ${operation}`);
		const body = successBody(result);
		items.push(...body.items);
		if (items.length >= body.total || body.items.length === 0) return items;
	}
	throw new IncompleteRecord(`${operation} has more than ${MAX_PAGES * PAGE_SIZE} items for one day`);
}
