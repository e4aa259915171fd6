/**
 * The demo store's pages. Every value goes in through hono/html's escaping template; no page has an
 * inline script or style (the store serves a strict Content-Security-Policy, see index.ts): the
 * styles are /styles.css and the only script is the storefront SDK from the edge, pinned by its
 * integrity hash.
 */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { StorefrontScript } from "./edge.ts";
import type { DemoOrder } from "./orders.ts";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export const PRODUCT = { name: "Maple reading chair", amount: 249.99 };

export const money = (amount: number) =>
	new Intl.NumberFormat("en-CA", { style: "currency", currency: "CAD" }).format(amount);

function layout(title: string, body: Html, script?: StorefrontScript): Html {
	return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Maple & Co. (demo)</title>
<link rel="stylesheet" href="/styles.css">
${script ? html`<script type="module" src="${script.src}" integrity="${script.integrity}" crossorigin="anonymous"></script>` : ""}
</head>
<body>
<header><a href="/">Maple &amp; Co.</a> <span>a Flexiti Edge demo store</span> <nav><a href="/admin">Admin</a></nav></header>
<main>${body}</main>
</body>
</html>`;
}

/** The product, with Flexiti's "as low as" under its price (`<flexiti-promo>`, from the edge's cache). */
export function productPage(edge: string, script: StorefrontScript, channel: "widget" | "hosted"): Html {
	const other = channel === "hosted" ? "widget" : "hosted";
	return layout(
		PRODUCT.name,
		html`<h1>${PRODUCT.name}</h1>
<p class="price">${money(PRODUCT.amount)}</p>
<flexiti-promo edge="${edge}" amount="${PRODUCT.amount}" lang="en"></flexiti-promo>
<p>Solid maple, hand-finished. Pay over time with Flexiti.</p>
<form method="post" action="/buy">
<button type="submit">Buy with Flexiti</button>
</form>
<form method="post" action="/buy?channel=${other}">
<button type="submit" id="buy-${other}" class="secondary">${other === "hosted" ? "Buy on Flexiti's checkout page" : "Buy with the Flexiti widget"}</button>
</form>
<form method="post" action="/buy?flow=apply&amp;channel=widget">
<button type="submit" class="secondary">New to Flexiti? Apply and buy</button>
</form>`,
		script,
	);
}

interface CheckoutPage {
	order: DemoOrder;
	edge: string;
	clientToken: string;
	script: StorefrontScript;
	presentation: string;
	channel: "widget" | "hosted";
}

/** The payment step: `<flexiti-checkout>` does the whole flow; the page writes no JavaScript. */
export function checkoutPage({ order, edge, clientToken, script, presentation, channel }: CheckoutPage): Html {
	return layout(
		"Pay with Flexiti",
		html`<h1>Pay with Flexiti</h1>
<p>Order ${order.reference}: ${order.product}, ${money(order.amount)}</p>
<p class="hint">Sandbox: account 10000000000001 (Jane Doe), PIN 2222.</p>
<flexiti-checkout edge="${edge}" checkout-id="${order.checkout_id}" client-token="${clientToken}" channel="${channel}"
	presentation="${presentation}" success-url="/orders/${encodeURIComponent(order.reference)}"
	token-url="/checkout/${encodeURIComponent(order.reference)}/token"></flexiti-checkout>`,
		script,
	);
}

/** A new customer: the application form, whose fields `<flexiti-checkout flow="apply">` sends. */
export function applyPage({ order, edge, clientToken, script, presentation }: CheckoutPage): Html {
	const field = (name: string, label: string, type = "text", value = "") =>
		html`<label for="${name}">${label}</label><input id="${name}" name="${name}" type="${type}" value="${value}" required>`;
	return layout(
		"Apply for Flexiti",
		html`<h1>Apply for Flexiti financing</h1>
<p>Order ${order.reference}: ${order.product}, ${money(order.amount)}</p>
<p class="hint">Sandbox: the last name decides (Declined, Pending, anything else is approved); PIN 2222.</p>
<form id="applicant">
${field("first_name", "First name", "text", "Alex")}
${field("last_name", "Last name", "text", "Martin")}
${field("dob", "Date of birth", "date", "1990-02-03")}
${field("postal_code", "Postal code", "text", "M5V2T6")}
${field("email", "E-mail", "email", "alex@example.com")}
${field("phone_number", "Mobile phone", "tel", "4165550199")}
${field("address_1", "Address", "text", "1 Front St W")}
${field("city", "City", "text", "Toronto")}
${field("province", "Province", "text", "ON")}
<label class="check"><input type="checkbox" name="tos_agreement" required> I accept Flexiti's terms and conditions</label>
<flexiti-checkout flow="apply" edge="${edge}" checkout-id="${order.checkout_id}" client-token="${clientToken}"
	presentation="${presentation}" success-url="/orders/${encodeURIComponent(order.reference)}"
	token-url="/checkout/${encodeURIComponent(order.reference)}/token"></flexiti-checkout>
</form>`,
		script,
	);
}

interface OrderView {
	order: DemoOrder;
	status: string;
	authorizationId?: number | bigint;
}

/** The order as the edge reports it (never as the browser said). */
export function orderPage({ order, status, authorizationId }: OrderView): Html {
	const paid = status === "authorized";
	return layout(
		`Order ${order.reference}`,
		html`<h1>Order ${order.reference}</h1>
<p id="order-status" data-status="${status}">${paid ? "Paid with Flexiti" : `Not paid (${status})`}</p>
<dl>
<dt>Item</dt><dd>${order.product}</dd>
<dt>Amount</dt><dd id="order-amount">${money(order.amount)}</dd>
${authorizationId === undefined ? "" : html`<dt>Flexiti authorization</dt><dd id="authorization-id">${authorizationId}</dd>`}
</dl>
${
	order.paid
		? html`<p id="paid-by-event" data-event-id="${order.paid.event_id}">Our records: paid, confirmed by Flexiti Edge's signed checkout.authorized (${order.paid.event_id}).</p>`
		: html`<p id="paid-by-event-pending">Our records: no confirmation from Flexiti Edge yet.</p>`
}
${paid ? html`<p>We will capture the payment when your order ships.</p>` : html`<p><a href="/checkout/${encodeURIComponent(order.reference)}">Try again</a></p>`}`,
	);
}

export interface AdminRow {
	order: DemoOrder;
	ledger: unknown;
}

export function adminPage(rows: AdminRow[], notice: string): Html {
	return layout(
		"Admin",
		html`<h1>Orders</h1>
${notice ? html`<p role="status" id="notice">${notice}</p>` : ""}
${rows.length === 0 ? html`<p>No orders yet.</p>` : ""}
${rows.map(
	({
		order,
		ledger,
	}) => html`<section class="order" id="order-${order.reference}" aria-labelledby="h-${order.reference}">
<h2 id="h-${order.reference}">${order.reference}: ${money(order.amount)}${order.paid ? " · paid (checkout.authorized)" : ""}</h2>
<div class="actions">
<form method="post" action="/admin/orders/${encodeURIComponent(order.reference)}/ship"><button type="submit">Ship</button></form>
<form method="post" action="/admin/orders/${encodeURIComponent(order.reference)}/cancel"><button type="submit" class="secondary">Cancel</button></form>
<form method="post" action="/admin/orders/${encodeURIComponent(order.reference)}/refund">
<label for="refund-${order.reference}">Refund amount</label>
<input id="refund-${order.reference}" name="amount" inputmode="decimal" value="50.00" required>
<button type="submit" class="secondary">Refund</button></form>
</div>
<details><summary>Ledger (GET /v1/orders/${order.reference})</summary><pre class="ledger">${JSON.stringify(ledger, null, 2)}</pre></details>
</section>`,
)}`,
	);
}

export const STYLES = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#faf8f5}
header{display:flex;gap:1rem;align-items:baseline;padding:1rem 2rem;background:#3b2a1a;color:#fff}
header a{color:#fff;font-weight:700;text-decoration:none}header span{opacity:.85;font-size:.9rem}header nav{margin-left:auto}
main{max-width:40rem;margin:2rem auto;padding:0 1rem}
.price{font-size:1.5rem;font-weight:700}.hint{color:#4a4a4a;font-size:.9rem}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:8px;background:#1a56db;color:#fff;cursor:pointer;margin:.25rem 0}
button.secondary{background:#fff;color:#1a56db;border:1px solid #1a56db}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid #1a56db;outline-offset:2px}
label{display:block;margin-top:.5rem}input{font:inherit;padding:.4rem;width:100%;border:1px solid #767676;border-radius:6px}
label.check input{width:auto}flexiti-checkout{margin-top:1rem;max-width:24rem}
.order{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0;background:#fff}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}.actions input{width:7rem}
pre{overflow:auto;font-size:.8rem;background:#f3f3f3;padding:.5rem}`;

/**
 * What a shopper sees when the store cannot reach Flexiti Edge (stopped, restarting, unreachable): what
 * happened, that nothing was charged, and what to do, instead of a bare "Internal Server Error".
 */
export function edgeUnavailablePage(edge: string): Html {
	return layout(
		"Payments are unavailable",
		html`<h1>Payments are unavailable right now</h1>
<div role="alert">
<p>We could not reach our payment service, Flexiti Edge, so this page cannot be shown. Nothing was charged.</p>
</div>
<p>Please try again in a minute: <a href="">reload this page</a>, or go back to <a href="/">the store</a>.</p>
<p class="note">Running this demo yourself? The store expected the edge at <code>${edge}</code>: check that
<code>npm start</code> is still running and that the edge started.</p>`,
	);
}
