// Vite (which loads test modules) imports any file as a string with `?raw`.
declare module "*?raw" {
	const text: string;
	export default text;
}
