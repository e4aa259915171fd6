/**
 * `<flexiti-checkout>` for pages that write no JavaScript:
 *
 *   <flexiti-checkout edge="https://pay.example.com" checkout-id="…" client-token="…"
 *                     success-url="/orders/WEB-1001" token-url="/checkout/WEB-1001/token"></flexiti-checkout>
 *
 * It renders a labelled field for the shopper's Flexiti account or card number and a "Pay with
 * Flexiti" button that runs `purchase()`. With `flow="apply"` inside a `<form>` it runs `apply()`
 * with the form's fields (`first_name`, `last_name`, `dob`, `postal_code`, `email`, `phone_number`,
 * `address_1`, `address_2`, `city`, `province`, `tos_agreement`) and renders only the button.
 * It dispatches `flexiti-authorized` (detail: the result), `flexiti-error` (detail: the
 * FlexitiEdgeError, whose `message` is for developers: the element shows the shopper words of its own,
 * in its language) and each progress event as `flexiti-<name>`, bubbling out of its shadow root;
 * with `success-url` it then goes there. With `channel="hosted"` (a hosted checkout) it renders only the
 * button, which opens Flexiti's hosted page. `token-url` (same-origin, POST, answers `{client_token}`)
 * is where it asks the merchant's server for a fresh client token.
 */
import type { FlexitiEdgeError } from "./errors.ts";
import {
	type ApplyOptions,
	FlexitiEdgeCheckout,
	type FlexitiEdgeEvents,
	type FlexitiEdgeOptions,
	type PurchaseResult,
} from "./flexiti-edge.ts";
import { errorText, labels } from "./labels.ts";

const CSS = `:host{display:block;font:inherit}
label{display:block;margin-bottom:4px}
input{font:inherit;padding:8px;border:1px solid #767676;border-radius:6px;width:100%;box-sizing:border-box;margin-bottom:8px}
button{font:inherit;padding:10px 16px;border:0;border-radius:8px;background:#1a56db;color:#fff;cursor:pointer;width:100%}
button:disabled{background:#555;cursor:progress}
button:focus-visible,input:focus-visible{outline:3px solid #1a56db;outline-offset:2px}
[role=alert]{color:#a4000f;margin:8px 0 0}`;

const PROGRESS: (keyof FlexitiEdgeEvents)[] = ["widget-opened", "verified", "applying", "choosing-plan", "authorizing"];

export class FlexitiCheckoutElement extends HTMLElement {
	private button?: HTMLButtonElement;
	private account?: HTMLInputElement;
	private alert?: HTMLParagraphElement;
	private sdk?: FlexitiEdgeCheckout;
	private text = labels(undefined);

	connectedCallback(): void {
		if (this.shadowRoot) return;
		const text = labels(this.getAttribute("lang") ?? document.documentElement.lang);
		this.text = text;
		const root = this.attachShadow({ mode: "open" });
		const sheet = new CSSStyleSheet();
		sheet.replaceSync(CSS);
		root.adoptedStyleSheets = [sheet];
		const apply = this.getAttribute("flow") === "apply";
		// A hosted checkout asks for the account on Flexiti's own page: only the button here.
		const hosted = this.getAttribute("channel") === "hosted";
		this.button = Object.assign(document.createElement("button"), {
			type: "button",
			textContent: apply ? text.apply : text.pay,
		});
		this.alert = Object.assign(document.createElement("p"), { id: "message" });
		this.alert.setAttribute("role", "alert");
		if (!apply && !hosted) {
			this.account = Object.assign(document.createElement("input"), {
				id: "account",
				inputMode: "numeric",
				autocomplete: "off",
				required: true,
			});
			this.account.setAttribute("aria-describedby", "message");
			// Corrected: no longer invalid, and the message about it goes.
			this.account.addEventListener("input", () => {
				if (!this.account?.hasAttribute("aria-invalid")) return;
				this.account.removeAttribute("aria-invalid");
				if (this.alert) this.alert.textContent = "";
			});
			const label = Object.assign(document.createElement("label"), { htmlFor: "account", textContent: text.account });
			root.append(label, this.account);
		}
		root.append(this.button, this.alert);
		this.button.addEventListener("click", () => this.start());

		const edge = this.getAttribute("edge") ?? "";
		const tokenUrl = this.getAttribute("token-url");
		const options: FlexitiEdgeOptions = {
			edge,
			checkoutId: this.getAttribute("checkout-id") ?? "",
			clientToken: this.getAttribute("client-token") ?? "",
			presentation: (this.getAttribute("presentation") as FlexitiEdgeOptions["presentation"]) ?? "auto",
			...(tokenUrl ? { refreshClientToken: () => freshToken(tokenUrl) } : {}),
		};
		this.sdk = new FlexitiEdgeCheckout(options);
		for (const name of PROGRESS) this.sdk.on(name, (detail) => this.tell(`flexiti-${name}`, detail));
		// Back from the widget (full-page presentation): finish the flow without another click.
		if (this.sdk.returning) this.start();
	}

	private start(): void {
		if (!this.sdk || !this.button || !this.alert) return;
		const digits = (this.account?.value ?? "").replace(/\D/g, "");
		let flow: Promise<PurchaseResult>;
		if (this.getAttribute("flow") === "apply") {
			flow = this.sdk.apply(applicantFrom(this.closest("form")));
		} else if (this.getAttribute("channel") === "hosted") {
			flow = this.sdk.purchase();
		} else {
			const valid = digits.length === 14 || digits.length === 16;
			// Back from the widget the field is empty, and the SDK needs no customer: never an account 0.
			if (!valid && !this.sdk.returning) {
				this.account?.setAttribute("aria-invalid", "true");
				this.alert.textContent = this.text.invalidAccount;
				this.account?.focus();
				return;
			}
			const customer = digits.length === 16 ? { vcc_number: digits } : { account_number: Number(digits) };
			flow = this.sdk.purchase(valid ? { customer } : {});
		}
		this.button.disabled = true;
		this.alert.textContent = "";
		flow.then(
			(result) => {
				this.tell("flexiti-authorized", result);
				const next = this.getAttribute("success-url");
				if (next) location.assign(next);
			},
			(error: FlexitiEdgeError) => {
				// Words for the shopper, in the element's language; the developer's detail is in the event's error.
				if (this.alert && error.code !== "cancelled") {
					this.alert.textContent = errorText(this.text, error.code);
				}
				if (this.button) {
					this.button.disabled = false;
					// Back where the shopper was (the modal could not focus a disabled button).
					this.button.focus();
				}
				this.tell("flexiti-error", error);
			},
		);
	}

	private tell(type: string, detail: unknown): void {
		this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
	}
}

async function freshToken(url: string): Promise<string> {
	const response = await fetch(url, { method: "POST", credentials: "same-origin" });
	const body = (await response.json()) as { client_token?: string };
	return body.client_token ?? "";
}

function applicantFrom(form: HTMLFormElement | null): ApplyOptions {
	const data = form ? new FormData(form) : new FormData();
	const field = (name: string) => String(data.get(name) ?? "").trim();
	const postal = field("postal_code");
	const address2 = field("address_2");
	return {
		applicant: {
			customer_identification: {
				personal_information: {
					first_name: field("first_name"),
					last_name: field("last_name"),
					dob: field("dob"),
					...(postal ? { postal_code: postal } : {}),
				},
			},
			tos_agreement: data.get("tos_agreement") !== null,
			email: field("email"),
			phone_number: field("phone_number").replace(/\D/g, ""),
			address_1: field("address_1"),
			...(address2 ? { address_2: address2 } : {}),
			city: field("city"),
			province: field("province") as ApplyOptions["applicant"]["province"],
		},
	};
}
