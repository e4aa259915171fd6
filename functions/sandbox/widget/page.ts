/**
 * The sandbox's widget page, served at `/`. The widget's `redirection_url` is
 * `{origin}/#/widget/{client_id}/{token}?…`, so the page reads everything it needs from
 * `location.hash`. It is one self-contained document with inline CSS and an inline script, no
 * external resources, and a CSP that allows nothing else. It works offline.
 *
 * The script is widget-script.ts, embedded with `Function.prototype.toString()` (the rules are
 * described there). The static markup only holds the elements, with stable ids for tests:
 * `#pin`, `#verify`, `#cancel`, `#status`. Their text is set by the script through `textContent`.
 */
import {
	cancelMessage,
	failureMessage,
	messageFromResponse,
	parseWidgetHash,
	runWidget,
	statusFor,
	widgetText,
} from "./widget-script.ts";

// The keys are written out, not taken from `fn.name`: the bundler may rename a function, but it keeps property keys.
const helpers = { parseWidgetHash, widgetText, cancelMessage, failureMessage, messageFromResponse, statusFor };

let cachedScript: string | undefined;

/** The inline script: the helpers as function expressions, then `runWidget(window, helpers)`. */
export function widgetScript(): string {
	cachedScript ??= buildScript();
	return cachedScript;
}

function buildScript(): string {
	const source = (fn: (...args: never[]) => unknown) => {
		const text = fn.toString();
		if (/\[native code\]/.test(text)) throw new Error(`widget page: cannot embed ${fn.name}`);
		return `(${text})`;
	};
	const entries = Object.entries(helpers).map(([name, fn]) => `\t\t${name}: ${source(fn)},`);
	const script = [
		"(function () {",
		'\t"use strict";',
		"\t// esbuild's keepNames may wrap nested functions in __name(fn, name); here it is a no-op.",
		"\tvar __name = function (fn) { return fn; };",
		"\tvar helpers = {",
		...entries,
		"\t};",
		`\t(${source(runWidget)})(window, helpers);`,
		"})();",
	].join("\n");
	// Inside <script>, "</script" would end the element and "<!--" changes how the parser reads it.
	if (/<\/script|<!--/i.test(script)) throw new Error("widget page: the script contains </script or <!--");
	return script;
}

const styles = `
	:root { color-scheme: light; --ink: #14213d; --muted: #5c6478; --brand: #0b6e6e; --brand-dark: #085353;
		--error: #b3261e; --success: #1e7a3c; --line: #d9dee7; }
	* { box-sizing: border-box; }
	body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f3f5f9;
		font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
	main { width: min(380px, 100vw - 24px); background: #fff; border: 1px solid var(--line); border-radius: 12px;
		box-shadow: 0 6px 24px rgba(20, 33, 61, .08); padding: 22px 24px 20px; }
	header { display: flex; align-items: center; gap: 10px; margin-bottom: 14px; }
	.logo { width: 30px; height: 30px; border-radius: 8px; background: var(--brand); color: #fff; display: grid;
		place-items: center; font-weight: 700; }
	#title { font-weight: 600; letter-spacing: .01em; }
	h1 { font-size: 17px; margin: 0 0 4px; }
	#customer { color: var(--muted); margin: 0 0 16px; }
	label { display: block; font-weight: 600; margin-bottom: 6px; }
	#pin { width: 100%; font: inherit; font-size: 20px; letter-spacing: .3em; padding: 8px 10px;
		border: 1px solid var(--line); border-radius: 8px; }
	#pin:focus { outline: 2px solid var(--brand); outline-offset: 1px; }
	#hint { color: var(--muted); font-size: 13px; margin: 6px 0 14px; }
	.actions { display: flex; gap: 10px; }
	button { flex: 1; font: inherit; font-weight: 600; padding: 9px 12px; border-radius: 8px; cursor: pointer; }
	#verify { background: var(--brand); color: #fff; border: 1px solid var(--brand); }
	#verify:hover:not(:disabled) { background: var(--brand-dark); }
	#cancel { background: #fff; color: var(--ink); border: 1px solid var(--line); }
	button:disabled { opacity: .55; cursor: default; }
	#status { min-height: 1.45em; margin: 14px 0 0; }
	#status[data-tone="error"] { color: var(--error); }
	#status[data-tone="success"] { color: var(--success); }
	[hidden] { display: none !important; }
`;

/** The widget page's HTML. */
export function widgetPage(): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'">
<meta name="referrer" content="no-referrer">
<title>Flexiti sandbox widget</title>
<style>${styles}</style>
</head>
<body>
<main id="panel" data-state="loading" aria-live="polite">
	<header><span class="logo" aria-hidden="true">f</span><span id="title">Flexiti (sandbox)</span></header>
	<h1 id="heading"></h1>
	<p id="customer"></p>
	<form id="form" hidden autocomplete="off">
		<label id="pin-label" for="pin">PIN</label>
		<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="one-time-code" maxlength="8" required>
		<p id="hint"></p>
		<div class="actions">
			<button id="verify" type="submit" disabled>Verify</button>
			<button id="cancel" type="button" disabled>Cancel</button>
		</div>
	</form>
	<p id="status" role="status" data-tone="info"></p>
</main>
<noscript>This widget needs JavaScript.</noscript>
<script>
${widgetScript()}
</script>
</body>
</html>`;
}
