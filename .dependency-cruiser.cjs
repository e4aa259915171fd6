/**
 * The import rules `npm run check` enforces (dependency-cruiser, over the TypeScript sources,
 * type-only imports included): no circles, runtime code never reaches into scripts/, the Workers
 * never import each other, the contract stays the bottom layer, and the edge's layers import only downward.
 */
module.exports = {
	forbidden: [
		{
			name: "no-circular",
			severity: "error",
			comment: "Modules import each other in circles: one of them belongs below the other.",
			from: {},
			to: { circular: true },
		},
		{
			name: "runtime-not-scripts",
			severity: "error",
			comment:
				"Runtime code (functions/, generated/) never imports from scripts/: move the shared piece to functions/contract.",
			from: { path: "^(functions|generated)/" },
			to: { path: "^scripts/" },
		},
		{
			name: "workers-apart",
			severity: "error",
			comment: "The edge, the sandbox, the storefront SDK and the demo store are separate Workers and bundles.",
			from: { path: "^functions/(edge|sandbox|storefront|demo-store)/" },
			to: { path: "^functions/(edge|sandbox|storefront|demo-store)/", pathNot: "^functions/$1/" },
		},
		{
			name: "contract-at-the-bottom",
			severity: "error",
			comment: "functions/contract and functions/client are used by every Worker and import none of them.",
			from: { path: "^functions/(contract|client)/" },
			to: { path: "^functions/(edge|sandbox|storefront|demo-store)/" },
		},
		// The edge's layers, top to bottom: entry (index.ts, app.ts) → routes → callers → reconciliation →
		// orders → flexiti → core. Each imports only the layers below it (structure.md, "A layout that has no circles").
		...[
			["core", "(flexiti|orders|reconciliation|callers|routes)"],
			["flexiti", "(orders|reconciliation|callers|routes)"],
			["orders", "(reconciliation|callers|routes)"],
			["reconciliation", "(callers|routes)"],
			["callers", "routes"],
		].map(([layer, above]) => ({
			name: `edge-${layer}-imports-downward`,
			severity: "error",
			comment: `functions/edge/${layer} sits below ${above}: move the shared piece down, or pass it in.`,
			from: { path: `^functions/edge/${layer}/` },
			to: { path: `^functions/edge/${above}/` },
		})),
		{
			name: "edge-entry-on-top",
			severity: "error",
			comment: "Nothing imports the edge's entry (index.ts, app.ts): they assemble the layers.",
			from: { path: "^functions/edge/(core|flexiti|orders|reconciliation|callers|routes)/" },
			to: { path: "^functions/edge/(index|app)\\.ts$" },
		},
	],
	options: {
		doNotFollow: { path: "node_modules" },
		exclude: { path: "^(node_modules|\\.cache|\\.wrangler|dist)/" },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: "tsconfig.json" },
		enhancedResolveOptions: { extensions: [".ts", ".js"] },
	},
};
