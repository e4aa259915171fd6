/**
 * `FlexitiEdge({ edge, checkoutId, clientToken })`: "Pay with Flexiti" for one checkout. `purchase()`
 * opens Flexiti's widget for the shopper, and after `flx-success` does what Flexiti requires, in
 * order (the plan for this amount, then the authorization); `apply()` does the same for a new
 * customer, with the mandatory `/apply` in between. Both resolve with the authorization or reject
 * with a FlexitiEdgeError; progress is told as events on the instance.
 *
 * One flow at a time per checkout: a second call while one runs (a double click) gets the same
 * promise, and a checkout that is already authorized resolves with its authorization without
 * opening anything. An authorization whose answer was lost is retried only after asking the edge
 * whether it went through: the edge admits one authorization per checkout, so a retry can never
 * hold the shopper's credit twice.
 */
import type { components } from "../../generated/flexiti-pos-api.ts";
import { type Checkout, type EdgeCallOptions, EdgeCalls } from "./edge-calls.ts";
import { FlexitiEdgeError } from "./errors.ts";
import { labels } from "./labels.ts";
import { Modal } from "./modal.ts";
import { hasReturned, redirectToWidget, takeReturned } from "./redirect.ts";
import { nextWidgetMessage, type WidgetMessage, type WidgetSuccess } from "./widget-messages.ts";

type Schemas = components["schemas"];
export type FinancingOption = Schemas["FinancingOption"];
export type FinancingOffer = Schemas["CalculateInterestResponse"];
export type Authorization = Schemas["Authorization"];
export type Application = Schemas["ApplyResponse"];
export type Applicant = Omit<Schemas["ApplyRequest"], "widget_session_id" | "customer_identification"> & {
	customer_identification: Schemas["ApplicantIdentification"];
};
export type { Checkout };

export interface FlexitiEdgeOptions extends EdgeCallOptions {
	/**
	 * `modal` (an iframe in a dialog), `redirect` (the whole page goes to the widget and comes back),
	 * or `auto` (default): the modal, but the redirect on screens narrower than 480 px or when the
	 * page's Content-Security-Policy blocks the widget's frame.
	 */
	presentation?: "auto" | "modal" | "redirect";
}

/** A plan, or a function that picks one from what Flexiti offers; by default the shopper picks in the modal. */
export type Financing = FinancingOption | ((offer: FinancingOffer) => FinancingOption | Promise<FinancingOption>);

export interface PurchaseOptions {
	/**
	 * Who is paying: their Flexiti account number or FlexitiCard number (or name and date of birth).
	 * Widget checkouts only; a hosted checkout (`channel: "hosted"`) asks on Flexiti's own page.
	 */
	customer?: Schemas["CustomerIdentification"];
	financing?: Financing;
}

export interface ApplyOptions {
	/** The applicant, as the widget's apply flow and `/apply` take it (the same data goes to both). */
	applicant: Applicant;
	financing?: Financing;
}

export interface PurchaseResult {
	checkoutId: string;
	reference: string;
	amount: number;
	/** Flexiti's authorization id: a number, or a `bigint` past 2^53 (16 digits), where a number would round. */
	authorizationId: number | bigint;
	/** Flexiti's authorization, when this page received it (not when it was made by an earlier attempt). */
	authorization?: Authorization;
}

export interface ApplyResult extends PurchaseResult {
	application: Application;
}

/** The events an instance dispatches, with their `detail`. */
export interface FlexitiEdgeEvents {
	"widget-opened": { flow: "purchase" | "apply"; presentation: "modal" | "redirect" };
	verified: WidgetSuccess;
	applying: undefined;
	"choosing-plan": FinancingOffer;
	authorizing: FinancingOption;
	authorized: PurchaseResult;
	failed: FlexitiEdgeError;
}

const inFlight = new Map<string, Promise<PurchaseResult>>();
const RETRIES = 3;
/**
 * How long an authorization whose answer was lost is waited for, in all: the edge answers 503 with
 * `Retry-After` while Flexiti may still be making the lost attempt (three of its upstream timeouts,
 * 30 s by default), and the SDK waits as told, re-sending the same request, within this bound.
 */
const MAX_AUTHORIZATION_WAIT_MS = 60_000;

export class FlexitiEdgeCheckout extends EventTarget {
	private readonly edge: EdgeCalls;

	constructor(private readonly options: FlexitiEdgeOptions) {
		super();
		this.edge = new EdgeCalls(options);
	}

	/** True when this page load is the shopper's return from the widget (redirect presentation): call the flow again to finish it. */
	get returning(): boolean {
		return hasReturned(this.options.checkoutId);
	}

	on<K extends keyof FlexitiEdgeEvents>(type: K, listener: (detail: FlexitiEdgeEvents[K]) => void): this {
		this.addEventListener(type, (event) => listener((event as CustomEvent<FlexitiEdgeEvents[K]>).detail));
		return this;
	}

	/**
	 * A hosted checkout opens Flexiti's hosted page (modal, else the whole page) and never resolves
	 * here: Flexiti ends it on the checkout's `return_url` (through the edge), where calling
	 * `purchase()` again resolves once the edge knows the authorization (or rejects `declined`).
	 */
	purchase(options: PurchaseOptions = {}): Promise<PurchaseResult> {
		return this.once(() => this.run("purchase", options.customer, options.financing));
	}

	apply(options: ApplyOptions): Promise<ApplyResult> {
		const { applicant } = options;
		return this.once(() =>
			this.run("apply", applicant.customer_identification, options.financing, applicant, widgetContact(applicant)),
		) as Promise<ApplyResult>;
	}

	private emit<K extends keyof FlexitiEdgeEvents>(type: K, detail: FlexitiEdgeEvents[K]): void {
		this.dispatchEvent(new CustomEvent(type, { detail }));
	}

	private once(flow: () => Promise<PurchaseResult>): Promise<PurchaseResult> {
		const id = this.options.checkoutId;
		const running = inFlight.get(id);
		if (running) return running;
		const started = flow()
			.catch((error: unknown) => {
				const failure =
					error instanceof FlexitiEdgeError ? error : new FlexitiEdgeError("network", "The payment did not complete");
				this.emit("failed", failure);
				throw failure;
			})
			.finally(() => inFlight.delete(id));
		inFlight.set(id, started);
		return started;
	}

	private async run(
		flow: "purchase" | "apply",
		customer: Schemas["CustomerIdentification"] | undefined,
		financing: Financing | undefined,
		applicant?: Applicant,
		contact?: WidgetContact,
	): Promise<PurchaseResult | ApplyResult> {
		const checkout = await this.edge.checkout();
		if (checkout.status === "authorized" && checkout.authorization_id !== undefined) {
			return result(checkout, checkout.authorization_id);
		}
		const client = `/client-id/${encodeURIComponent(checkout.client_id)}`;
		const text = labels(checkout.lang);
		let modal: Modal | undefined;
		const dismissed = new AbortController();
		const openModal = () => (modal ??= new Modal(text, checkout.lang, () => dismissed.abort()));
		if (checkout.channel === "hosted") {
			const url = checkout.redirection_url;
			if (!url) throw new FlexitiEdgeError(checkout.status, `This Flexiti checkout is ${checkout.status}`);
			// Flexiti's page ends by replacing this page (its forms post to the top window): only a dismissal settles here.
			try {
				await this.showWidget(flow, checkout, url, openModal, dismissed.signal, undefined, true);
			} finally {
				modal?.close();
			}
			throw new FlexitiEdgeError("cancelled", "The shopper closed Flexiti");
		}
		try {
			const returned = takeReturned(checkout.checkout_id, flow);
			let message = returned?.message;
			// Back from the full-page widget: `/apply` repeats what the widget was opened with (the page's
			// form has come back fresh), never what the page holds now.
			const applying = (returned?.applicant as Applicant | undefined) ?? applicant;
			if (!message) {
				if (!customer) throw new FlexitiEdgeError("wrong_inputs", "A widget purchase needs the customer");
				const init = await this.edge.flexiti<Schemas["WidgetInitResponse"]>(`/v2.5${client}/widget/init`, {
					flow,
					lang: checkout.lang,
					customer_identification: customer,
					...contact,
				});
				message = await this.showWidget(flow, checkout, init.redirection_url, openModal, dismissed.signal, applicant);
			}
			const success = verifiedSuccess(message, flow);
			this.emit("verified", success);

			let application: Application | undefined;
			let account = success.accountNumber;
			if (flow === "apply" && applying) {
				this.emit("applying", undefined);
				openModal().showWorking();
				application = await this.edge.flexiti<Application>(`/v2.5${client}/apply`, {
					...applying,
					widget_session_id: success.widget_session_id,
				});
				if (application.application_status !== "approved" || application.account_number === undefined) {
					const pending = application.application_status === "pending";
					throw new FlexitiEdgeError(
						pending ? "pending" : "declined",
						pending
							? "The application is under review; Flexiti will contact the applicant"
							: "The application was declined",
					);
				}
				account = application.account_number;
			}
			if (account === null) throw new FlexitiEdgeError("declined", "Flexiti identified no account for this purchase");

			const option = await this.financing(financing, client, account, checkout, openModal, dismissed.signal);
			this.emit("authorizing", option);
			openModal().showWorking();
			const authorization = await this.authorize(client, { account_number: account, financing_option: option }, () =>
				openModal().showWorking(text.still),
			);
			const done = result(
				checkout,
				authorization.authorization_id,
				"status" in authorization ? authorization : undefined,
			);
			this.emit("authorized", done);
			return application ? { ...done, application } : done;
		} finally {
			modal?.close();
		}
	}

	/**
	 * The widget (or Flexiti's hosted page), in the modal or by a full-page redirect; resolves with its
	 * outcome or rejects when dismissed. The hosted page sends no messages: it ends on the merchant's page.
	 */
	private async showWidget(
		flow: "purchase" | "apply",
		checkout: Checkout,
		url: string,
		openModal: () => Modal,
		dismissed: AbortSignal,
		applicant?: Applicant,
		hosted = false,
	): Promise<WidgetMessage> {
		const presentation = this.options.presentation ?? "auto";
		const small = typeof matchMedia === "function" && matchMedia("(max-width: 480px)").matches;
		const redirect = (): Promise<never> => {
			if (!hosted) return redirectToWidget(checkout.checkout_id, flow, url, applicant);
			location.assign(url);
			return new Promise(() => {});
		};
		if (presentation === "redirect" || (presentation === "auto" && small)) {
			this.emit("widget-opened", { flow, presentation: "redirect" });
			return redirect();
		}
		const origin = new URL(url).origin;
		const modal = openModal();
		const frame = modal.showWidget(url);
		this.emit("widget-opened", { flow, presentation: "modal" });
		return new Promise<WidgetMessage>((resolve, reject) => {
			const blocked = (event: SecurityPolicyViolationEvent) => {
				// The page's CSP forbids framing the widget: the same session, full page.
				if (presentation === "auto" && /^(frame|child|default)-src/.test(event.effectiveDirective)) {
					if (event.blockedURI.startsWith(origin)) {
						modal.close();
						redirect();
					}
				}
			};
			document.addEventListener("securitypolicyviolation", blocked);
			const stop = () => document.removeEventListener("securitypolicyviolation", blocked);
			dismissed.addEventListener("abort", () => {
				stop();
				reject(new FlexitiEdgeError("cancelled", "The shopper closed Flexiti"));
			});
			nextWidgetMessage(
				frame,
				origin,
				dismissed,
				(m) => m.event !== "flx-success" || m.eventData.verified !== undefined,
			).then((message) => {
				stop();
				resolve(message);
			});
		});
	}

	private async financing(
		financing: Financing | undefined,
		client: string,
		account: number,
		checkout: Checkout,
		openModal: () => Modal,
		dismissed: AbortSignal,
	): Promise<FinancingOption> {
		if (financing && typeof financing === "object") return financing;
		// The plans' names are shown to the shopper: in the checkout's language (Flexiti's `lang`, its option lists').
		const offer = await this.edge.flexiti<FinancingOffer>(
			`/v2.5.1${client}/accounts/${account}/calculate-interest?lang=${checkout.lang}`,
			{ amount: checkout.amount },
		);
		this.emit("choosing-plan", offer);
		if (financing) return financing(offer);
		const money = new Intl.NumberFormat(`${checkout.lang}-CA`, { style: "currency", currency: "CAD" });
		return new Promise((resolve, reject) => {
			dismissed.addEventListener("abort", () =>
				reject(new FlexitiEdgeError("cancelled", "The shopper closed Flexiti")),
			);
			openModal()
				.choosePlan(offer, (amount) => money.format(amount))
				.then(resolve);
		});
	}

	/**
	 * The authorization; after a lost answer (no connection, 502/503/504) it first asks the edge
	 * whether an earlier attempt went through, and adopts it; else it sends the same request again,
	 * when the edge's `Retry-After` says (`still` tells the shopper), within MAX_AUTHORIZATION_WAIT_MS.
	 * The edge admits one authorization per checkout: the same request is adopted or deduplicated.
	 */
	private async authorize(
		client: string,
		body: { account_number: number; financing_option: FinancingOption },
		still: () => void,
	): Promise<Authorization | { authorization_id: number | bigint }> {
		const until = Date.now() + MAX_AUTHORIZATION_WAIT_MS;
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.edge.flexiti<Authorization>(`/v2.5.1${client}/authorization`, body);
			} catch (error) {
				if (!(error instanceof FlexitiEdgeError)) throw error;
				// Only a lost answer may have made the authorization; a refusal (another plan chosen in another
				// tab, an order cancelled) is the shopper's to see, never read as this attempt's success.
				const lost = error.code === "network" || [502, 503, 504].includes(error.status ?? 0);
				if (!lost) throw error;
				const checkout = await this.edge.checkout().catch(() => undefined);
				if (checkout?.status === "authorized" && checkout.authorization_id !== undefined) {
					return { authorization_id: checkout.authorization_id };
				}
				const told = error.retryAfter;
				const wait = told === undefined ? 400 * 2 ** attempt : told * 1000;
				if ((told === undefined && attempt >= RETRIES) || Date.now() + wait > until) throw error;
				if (told !== undefined) still();
				await new Promise((resume) => setTimeout(resume, wait));
			}
		}
	}
}

/** What the apply flow's `widget/init` takes of the applicant besides who they are. */
type WidgetContact = Pick<
	Schemas["WidgetInitRequest"],
	"tos_agreement" | "email" | "phone_number" | "address_1" | "address_2" | "city" | "province"
>;

/**
 * The applicant's contact for `widget/init`: only the fields it declares. `/apply` takes more (a SIN,
 * income, a licence), which the widget never sees; sent to `widget/init`, the edge refuses them as
 * undeclared properties.
 */
function widgetContact(applicant: Applicant): WidgetContact {
	const { tos_agreement, email, phone_number, address_1, address_2, city, province } = applicant;
	return {
		tos_agreement,
		email,
		phone_number,
		address_1,
		city,
		province,
		...(address_2 === undefined ? {} : { address_2 }),
	};
}

function result(checkout: Checkout, authorizationId: number | bigint, authorization?: Authorization): PurchaseResult {
	return {
		checkoutId: checkout.checkout_id,
		reference: checkout.reference,
		amount: checkout.amount,
		authorizationId,
		...(authorization ? { authorization } : {}),
	};
}

/** What Flexiti's docs say the merchant does with each outcome ("What the merchant must do after flx-success"). */
function verifiedSuccess(message: WidgetMessage, flow: "purchase" | "apply"): WidgetSuccess {
	if (message.event === "flx-cancel") throw new FlexitiEdgeError("cancelled", "The shopper cancelled in Flexiti");
	if (message.event === "flx-failure") {
		const { error, message: words } = message.eventData;
		// Flexiti's status is in `status` (401: the widget session expired; start again).
		throw new FlexitiEdgeError("widget_failed", words || "The Flexiti widget failed", error);
	}
	const success = message.eventData;
	if (!success.verified) throw new FlexitiEdgeError("not_verified", "Flexiti could not verify the shopper");
	if (success.action !== flow) {
		throw new FlexitiEdgeError("declined", "This Flexiti account cannot be used for this purchase right now");
	}
	return success;
}
