/**
 * The comparison at the heart of reconciliation, pure: Flexiti's captures and authorizations of one
 * day against the edge's ledgers, and the differences between them. Everything it needs was read
 * beforehand (gather.ts), so the same inputs always give the same differences with the same ids —
 * which is what makes a second run of the same day find nothing new.
 */
import type { components } from "../../../generated/edge-api.ts";
import type { components as flexiti } from "../../../generated/flexiti-pos-api.ts";
import { instantOf } from "../../contract/formats.ts";
import { cents } from "../../contract/money.ts";
import type { ReconciliationView } from "../orders/order-state.ts";

export type MismatchKind = components["schemas"]["ReconciliationMismatchKind"];
export type Mismatch = Omit<components["schemas"]["ReconciliationMismatch"], "found_at">;
export type FlexitiCapture = Pick<
	flexiti["schemas"]["Capture"],
	"capture_id" | "authorization_id" | "amount" | "reference" | "date"
>;
export type FlexitiAuthorization = Pick<
	flexiti["schemas"]["Authorization"],
	"authorization_id" | "amount" | "reference" | "creation_date"
>;

/** An order's ledger as reconciliation reads it (Order.reconciliationView, from orders/order-state.ts). */
export type LedgerOrder = ReconciliationView;

export interface DayRecord {
	clientId: string;
	/** YYYY-MM-DD, UTC. */
	day: string;
	/** Flexiti's captures dated that day. */
	captures: FlexitiCapture[];
	/** Flexiti's authorizations created that day. */
	authorizations: FlexitiAuthorization[];
	/** The orders whose ledgers were read. */
	ledgers: LedgerOrder[];
	/**
	 * Flexiti's own answer about a ledger's capture or authorization of that day that its day lists
	 * did not hold (it may be dated a moment later at Flexiti): found, or `null` when Flexiti has none.
	 */
	capturesElsewhere: ReadonlyMap<number, FlexitiCapture | null>;
	authorizationsElsewhere: ReadonlyMap<number | bigint, FlexitiAuthorization | null>;
}

const sameAmount = (a: number, b: number) => cents(a) === cents(b);
const dayOf = (iso: string | undefined) => iso?.slice(0, 10);

/** The id of a difference: the same whichever run finds it (and its event's webhook-id). */
export function mismatchId(
	clientId: string,
	day: string,
	kind: MismatchKind,
	subject: Mismatch["subject"],
	id: number | bigint,
): string {
	return `rcm_${day.replaceAll("-", "")}_${subject}_${id}_${kind}_${clientId}`;
}

/**
 * Every difference between Flexiti's record of the day and the ledgers, each once. A Flexiti capture or
 * authorization made at or after `settledBefore` (ms) that a ledger lacks is not judged yet: a call the
 * edge made may have reached Flexiti and not yet the ledger (its answer on its way, or retried with its
 * idempotency key); a later run judges it.
 */
export function compareDay(record: DayRecord, settledBefore = Number.POSITIVE_INFINITY): Mismatch[] {
	const { clientId, day } = record;
	// A time Flexiti did not give, or not as a date-time, does not hold a difference back.
	const unsettled = (at: string | undefined) => instantOf(at ?? "") >= settledBefore;
	const byAuthorization = new Map<number | bigint, LedgerOrder>();
	const byReference = new Map<string, LedgerOrder>();
	for (const ledger of record.ledgers) {
		byReference.set(ledger.reference, ledger);
		if (ledger.authorization) byAuthorization.set(ledger.authorization.authorization_id, ledger);
	}
	const found = new Map<string, Mismatch>();
	const add = (m: Omit<Mismatch, "id" | "client_id" | "day">, subjectId: number | bigint) => {
		const id = mismatchId(clientId, day, m.kind, m.subject, subjectId);
		if (!found.has(id)) found.set(id, { id, client_id: clientId, day, ...m });
	};
	const dayCaptures = new Map(record.captures.map((c) => [c.capture_id, c]));
	const dayAuthorizations = new Map(record.authorizations.map((a) => [a.authorization_id, a]));

	// Flexiti's captures: each belongs to the ledger of its authorization, which must hold it, at that amount.
	for (const capture of record.captures) {
		const ledger = byAuthorization.get(capture.authorization_id);
		if (!ledger) continue; // not an authorization of the edge's orders (an in-store sale): not ours to judge
		const held = ledger.captures.find((c) => c.capture_id === capture.capture_id);
		const ids = {
			reference: ledger.reference,
			authorization_id: capture.authorization_id,
			capture_id: capture.capture_id,
		};
		if (!held) {
			if (unsettled(capture.date)) continue;
			add(
				{
					kind: "missing_from_ledger",
					subject: "capture",
					...ids,
					flexiti_amount: capture.amount,
					detail: `Flexiti captured ${capture.amount} on this authorization; the order's ledger has no such capture`,
				},
				capture.capture_id,
			);
		} else if (!sameAmount(held.amount, capture.amount)) {
			add(
				{
					kind: "amount_differs",
					subject: "capture",
					...ids,
					flexiti_amount: capture.amount,
					ledger_amount: held.amount,
					detail: `Flexiti's capture is ${capture.amount}; the ledger's is ${held.amount}`,
				},
				capture.capture_id,
			);
		}
	}

	// Flexiti's authorizations: one the edge's ledger rests on must agree; one for a reference of the
	// edge's orders that no ledger rests on is credit held for an order the ledger does not show.
	for (const authorization of record.authorizations) {
		const ledger = byAuthorization.get(authorization.authorization_id);
		const ledgerAmount = ledger?.authorization?.amount;
		if (ledger && ledgerAmount !== undefined) {
			if (!sameAmount(ledgerAmount, authorization.amount)) {
				add(
					{
						kind: "amount_differs",
						subject: "authorization",
						reference: ledger.reference,
						authorization_id: authorization.authorization_id,
						flexiti_amount: authorization.amount,
						ledger_amount: ledgerAmount,
						detail: `Flexiti authorized ${authorization.amount}; the ledger's authorization is ${ledgerAmount}`,
					},
					authorization.authorization_id,
				);
			}
			continue;
		}
		const named = authorization.reference ? byReference.get(authorization.reference) : undefined;
		if (!named || unsettled(authorization.creation_date)) continue;
		add(
			{
				kind: "missing_from_ledger",
				subject: "authorization",
				reference: named.reference,
				authorization_id: authorization.authorization_id,
				flexiti_amount: authorization.amount,
				detail: named.authorization
					? `Flexiti has a second authorization for this reference; the ledger rests on ${named.authorization.authorization_id}`
					: "Flexiti authorized this reference; the order's ledger has no authorization",
			},
			authorization.authorization_id,
		);
	}

	// The ledgers' movements of the day: each must be at Flexiti (in its day lists, or found when asked).
	for (const ledger of record.ledgers) {
		const authorizationId = ledger.authorization?.authorization_id;
		for (const capture of ledger.captures) {
			if (dayOf(capture.date) !== day || dayCaptures.has(capture.capture_id)) continue;
			const elsewhere = record.capturesElsewhere.get(capture.capture_id);
			if (elsewhere === undefined) continue; // not asked: nothing to say
			const ids = {
				reference: ledger.reference,
				...(authorizationId !== undefined ? { authorization_id: authorizationId } : {}),
				capture_id: capture.capture_id,
			};
			if (elsewhere === null) {
				add(
					{
						kind: "missing_at_flexiti",
						subject: "capture",
						...ids,
						ledger_amount: capture.amount,
						detail: `The ledger has a capture of ${capture.amount} that Flexiti does not list`,
					},
					capture.capture_id,
				);
			} else if (!sameAmount(elsewhere.amount, capture.amount)) {
				add(
					{
						kind: "amount_differs",
						subject: "capture",
						...ids,
						flexiti_amount: elsewhere.amount,
						ledger_amount: capture.amount,
						detail: `Flexiti's capture is ${elsewhere.amount}; the ledger's is ${capture.amount}`,
					},
					capture.capture_id,
				);
			}
		}
		const authorization = ledger.authorization;
		if (!authorization || dayOf(ledger.authorizedAt) !== day) continue;
		if (dayAuthorizations.has(authorization.authorization_id)) continue;
		const elsewhere = record.authorizationsElsewhere.get(authorization.authorization_id);
		if (elsewhere === undefined) continue;
		if (elsewhere === null) {
			add(
				{
					kind: "missing_at_flexiti",
					subject: "authorization",
					reference: ledger.reference,
					authorization_id: authorization.authorization_id,
					ledger_amount: authorization.amount,
					detail: `The ledger rests on authorization ${authorization.authorization_id}, which Flexiti does not have`,
				},
				authorization.authorization_id,
			);
		} else if (!sameAmount(elsewhere.amount, authorization.amount)) {
			add(
				{
					kind: "amount_differs",
					subject: "authorization",
					reference: ledger.reference,
					authorization_id: authorization.authorization_id,
					flexiti_amount: elsewhere.amount,
					ledger_amount: authorization.amount,
					detail: `Flexiti authorized ${elsewhere.amount}; the ledger's authorization is ${authorization.amount}`,
				},
				authorization.authorization_id,
			);
		}
	}
	return [...found.values()];
}

/** What a ledger of the day holds that the day lists do not: Flexiti must be asked about these. */
export function unlisted(record: Pick<DayRecord, "day" | "captures" | "authorizations" | "ledgers">): {
	captures: { capture_id: number; authorization_id: number | bigint }[];
	authorizations: (number | bigint)[];
} {
	const listedCaptures = new Set(record.captures.map((c) => c.capture_id));
	const listedAuthorizations = new Set(record.authorizations.map((a) => a.authorization_id));
	const captures: { capture_id: number; authorization_id: number | bigint }[] = [];
	const authorizations: (number | bigint)[] = [];
	for (const ledger of record.ledgers) {
		const authorization = ledger.authorization;
		if (!authorization) continue;
		for (const capture of ledger.captures) {
			if (dayOf(capture.date) === record.day && !listedCaptures.has(capture.capture_id)) {
				captures.push({ capture_id: capture.capture_id, authorization_id: authorization.authorization_id });
			}
		}
		if (dayOf(ledger.authorizedAt) === record.day && !listedAuthorizations.has(authorization.authorization_id)) {
			authorizations.push(authorization.authorization_id);
		}
	}
	return { captures, authorizations };
}
