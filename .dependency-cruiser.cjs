/**
 * The import rules `npm run check` enforces (dependency-cruiser, over the TypeScript sources,
 * type-only imports included): no circles, runtime code never reaches into scripts/, the Workers
 * never import each other, and the contract stays the bottom layer.
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
	],
	options: {
		doNotFollow: { path: "node_modules" },
		exclude: { path: "^(node_modules|\\.cache|\\.wrangler|dist)/" },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: "tsconfig.json" },
		enhancedResolveOptions: { extensions: [".ts", ".js"] },
	},
};
