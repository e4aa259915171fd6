/**
 * The modal the SDK shows: a native `<dialog>` opened with `showModal()`, so the browser makes the
 * page behind it inert (the focus stays inside), gives it the dialog role and closes it on Escape.
 * It lives in a shadow root styled by a constructed stylesheet: no inline `<style>` or `style=""`
 * that a strict Content-Security-Policy would block. Closing it by Escape or its close button means
 * what the widget's own cancel means (`flx-cancel`). Escape works while the focus is on the modal's
 * own controls: keys pressed inside the widget's frame (another origin) never reach this page, so
 * there the shopper uses the widget's own Cancel, or Shift+Tab to the close button.
 */
import type { components } from "../../generated/flexiti-pos-api.ts";
import type { Labels } from "./labels.ts";

type FinancingOption = components["schemas"]["FinancingOption"];
type CalculateInterestResponse = components["schemas"]["CalculateInterestResponse"];

const CSS = `
dialog{border:0;border-radius:12px;padding:0;width:min(440px,100vw - 16px);max-height:calc(100vh - 16px);
box-shadow:0 12px 48px #0006;font:16px/1.4 system-ui,sans-serif;color:#111;background:#fff;animation:in .18s ease-out}
dialog::backdrop{background:#0008}
.head{display:flex;align-items:center;justify-content:space-between;padding:12px 16px;border-bottom:1px solid #ddd}
h2{font-size:1.1rem;margin:0}
button{font:inherit;cursor:pointer}
.close{border:0;background:none;font-size:1.5rem;line-height:1;padding:4px 8px;border-radius:6px}
button:focus-visible,input:focus-visible{outline:3px solid #1a56db;outline-offset:2px}
iframe{display:block;border:0;width:100%;height:560px}
form{padding:16px}
fieldset{border:0;margin:0;padding:0}
legend{font-weight:600;margin-bottom:8px}
label{display:block;padding:8px;border:1px solid #ccc;border-radius:8px;margin:6px 0}
.confirm{margin-top:12px;width:100%;padding:10px;border:0;border-radius:8px;background:#1a56db;color:#fff}
p{padding:16px;margin:0}
.edge{position:absolute;width:1px;height:1px;overflow:hidden}
@keyframes in{from{opacity:0;transform:translateY(8px)}}
@media (prefers-reduced-motion:reduce){dialog{animation:none}}`;

let sheet: CSSStyleSheet | undefined;

/** The focused element, inside shadow roots too (a custom element's button, say). */
function deepActiveElement(): HTMLElement | null {
	let active = document.activeElement;
	while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
	return active as HTMLElement | null;
}

/** A focusable edge of the dialog that hands the focus on. */
function wrapFocus(to: () => HTMLElement | undefined): HTMLElement {
	const edge = element("span", { tabIndex: 0, className: "edge" });
	edge.addEventListener("focus", () => to()?.focus());
	return edge;
}

function element<K extends keyof HTMLElementTagNameMap>(
	tag: K,
	props: Partial<HTMLElementTagNameMap[K]> = {},
	...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
	const node = Object.assign(document.createElement(tag), props);
	node.append(...children);
	return node;
}

export class Modal {
	private readonly host = element("div");
	private readonly dialog = element("dialog");
	private readonly body = element("div");
	private readonly restoreFocus = deepActiveElement();
	private readonly overflow = document.documentElement.style.overflow;
	private closed = false;

	/** `onDismiss` runs when the shopper closes the modal (Escape, the close button). */
	constructor(
		private readonly text: Labels,
		lang: string,
		onDismiss: () => void,
	) {
		sheet ??= new CSSStyleSheet();
		sheet.replaceSync(CSS);
		const root = this.host.attachShadow({ mode: "open" });
		root.adoptedStyleSheets = [sheet];
		const heading = element("h2", { id: "flexiti-edge-title", textContent: text.dialog });
		const close = element("button", { className: "close", type: "button", textContent: "×" });
		close.setAttribute("aria-label", text.close);
		close.addEventListener("click", () => onDismiss());
		this.dialog.setAttribute("aria-labelledby", heading.id);
		this.dialog.lang = lang;
		// Escape: the browser would close the dialog itself; the flow decides what closing means.
		this.dialog.addEventListener("cancel", (event) => {
			event.preventDefault();
			onDismiss();
		});
		close.autofocus = true;
		// A strict focus trap: Tab past the last control comes back to the close button, Shift+Tab
		// before it goes to the last control (a native modal dialog would let the focus out to the
		// browser's own UI in between).
		const last = () => [...this.body.querySelectorAll<HTMLElement>("iframe, input, button")].at(-1);
		this.dialog.append(
			wrapFocus(last),
			// Not a <header>: inside a dialog it would be a second banner landmark of the page.
			element("div", { className: "head" }, heading, close),
			this.body,
			wrapFocus(() => close),
		);
		root.append(this.dialog);
		this.host.setAttribute("data-flexiti-edge", "modal");
		document.body.append(this.host);
		document.documentElement.style.overflow = "hidden";
		this.dialog.showModal();
	}

	/** The widget in an iframe; its accessible name says what it is. */
	showWidget(url: string): HTMLIFrameElement {
		const frame = element("iframe", { src: url, title: this.text.widget });
		frame.setAttribute("allow", "otp-credentials");
		this.body.replaceChildren(frame);
		return frame;
	}

	showWorking(words = this.text.working): void {
		// Focusable, and focused when the control that had the focus goes: not dropped to <body>.
		const note = element("p", { textContent: words, tabIndex: -1 });
		note.setAttribute("role", "status");
		const hadFocus = this.body.contains(this.host.shadowRoot?.activeElement ?? null);
		this.body.replaceChildren(note);
		if (hadFocus) note.focus();
	}

	/** The plans Flexiti offers this account for this amount; resolves with the shopper's choice. */
	choosePlan(offer: CalculateInterestResponse, money: (amount: number) => string): Promise<FinancingOption> {
		const options: [FinancingOption, string][] = [];
		for (const plan of offer.promotional_purchase ?? []) {
			for (const term of plan.terms ?? []) {
				const name = plan.plan_name ? `${plan.plan_name}: ` : "";
				const monthly = term.term_amount === undefined ? "" : `, ${money(term.term_amount)}${this.text.perMonth}`;
				options.push([
					{ transaction_type: "promotional_purchase", plan_id: plan.plan_id ?? 0, term: term.term ?? 1 },
					`${name}${term.term} ${this.text.months}${monthly}`,
				]);
			}
		}
		if (offer.regular_purchase) options.push([{ transaction_type: "regular_purchase" }, this.text.revolving]);
		const fieldset = element("fieldset", {}, element("legend", { textContent: this.text.choosePlan }));
		options.forEach(([, words], index) => {
			const input = element("input", { type: "radio", name: "plan", value: String(index), checked: index === 0 });
			fieldset.append(element("label", {}, input, ` ${words}`));
		});
		const form = element(
			"form",
			{},
			fieldset,
			element("button", { className: "confirm", type: "submit", textContent: this.text.confirm }),
		);
		this.body.replaceChildren(form);
		form.querySelector("input")?.focus();
		return new Promise((resolve) =>
			form.addEventListener("submit", (event) => {
				event.preventDefault();
				const chosen = options[Number(new FormData(form).get("plan"))];
				if (chosen) resolve(chosen[0]);
			}),
		);
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.dialog.close();
		this.host.remove();
		document.documentElement.style.overflow = this.overflow;
		this.restoreFocus?.focus?.();
	}
}
