/**
 * "As low as $X/month" on a product page, from the edge's `GET /v1/promotional-message` (public: the
 * store's Flexiti client id is publishable; the edge keeps the Online API token and caches Flexiti's
 * answer):
 *
 *   <flexiti-promo edge="https://pay.example.com" client-id="flexitidemo" amount="249.99" lang="en"></flexiti-promo>
 *
 * or `await promotionalMessage({ edge, clientId, amount, lang })` → `{ text, monthlyPayment, months }`
 * or null. A message that cannot be had (Flexiti slow or down, no plan for the price, the network)
 * is simply absent: nothing is thrown and nothing is logged, so a product page never shows an error.
 * The element reserves one line of height before it loads, so the page does not shift.
 */

export interface PromotionalMessageOptions {
	/** The edge's origin, e.g. `https://pay.example.com`. */
	edge: string;
	/** The store's Flexiti client id (publishable); the edge's first client when omitted. */
	clientId?: string;
	/** The price, in CAD dollars. */
	amount: number;
	lang?: "en" | "fr";
	signal?: AbortSignal;
}

export interface PromotionalMessage {
	/** Plain text in the requested language, e.g. "As low as $21.18/month". */
	text: string;
	monthlyPayment: number;
	months: number;
}

/** The message for this price, or null when there is none to show. Never throws. */
export async function promotionalMessage(options: PromotionalMessageOptions): Promise<PromotionalMessage | null> {
	const query = new URLSearchParams({ amount: String(options.amount), lang: options.lang ?? "en" });
	if (options.clientId) query.set("client_id", options.clientId);
	try {
		const response = await fetch(`${options.edge.replace(/\/$/, "")}/v1/promotional-message?${query}`, {
			credentials: "omit",
			...(options.signal ? { signal: options.signal } : {}),
		});
		if (response.status !== 200) return null;
		const body = (await response.json()) as { text?: unknown; monthly_payment?: unknown; months?: unknown };
		if (typeof body.text !== "string" || typeof body.monthly_payment !== "number" || typeof body.months !== "number") {
			return null;
		}
		return { text: body.text, monthlyPayment: body.monthly_payment, months: body.months };
	} catch {
		return null;
	}
}

const CSS = ":host{display:block;min-height:1.5em;line-height:1.5em;font:inherit}p{margin:0}";

/** `<flexiti-promo>`: the message as text, updated when `amount` or `lang` changes (a variant picker). */
export class FlexitiPromoElement extends HTMLElement {
	static observedAttributes = ["amount", "lang", "client-id", "edge"];
	private line?: HTMLParagraphElement;
	private pending?: AbortController;

	connectedCallback(): void {
		if (!this.shadowRoot) {
			const root = this.attachShadow({ mode: "open" });
			const sheet = new CSSStyleSheet();
			sheet.replaceSync(CSS);
			root.adoptedStyleSheets = [sheet];
			this.line = document.createElement("p");
			// Announced once it arrives, without taking focus.
			this.line.setAttribute("aria-live", "polite");
			root.append(this.line);
		}
		void this.load();
	}

	attributeChangedCallback(): void {
		if (this.line) void this.load();
	}

	disconnectedCallback(): void {
		this.pending?.abort();
	}

	private async load(): Promise<void> {
		this.pending?.abort();
		const pending = new AbortController();
		this.pending = pending;
		const amount = Number(this.getAttribute("amount"));
		const lang = (this.getAttribute("lang") ?? document.documentElement.lang).toLowerCase().startsWith("fr")
			? "fr"
			: "en";
		const clientId = this.getAttribute("client-id");
		const message =
			Number.isFinite(amount) && amount > 0
				? await promotionalMessage({
						edge: this.getAttribute("edge") ?? "",
						amount,
						lang,
						signal: pending.signal,
						...(clientId ? { clientId } : {}),
					})
				: null;
		if (pending.signal.aborted || !this.line) return;
		this.line.textContent = message?.text ?? "";
		// For tests and styling: which amount the current text is for (empty text: no message).
		this.setAttribute("data-loaded", this.getAttribute("amount") ?? "");
		this.dispatchEvent(new CustomEvent("flexiti-promo", { detail: message, bubbles: true, composed: true }));
	}
}
