// The local-only settings (.dev.vars.example), inlined by Vite at test time for tests that need their values.
import settingsText from "../../.dev.vars.example?raw";

export function localSettings(): Record<string, string> {
	const settings: Record<string, string> = {};
	for (const line of settingsText.split("\n")) {
		const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
		if (match) settings[match[1] as string] = match[2] as string;
	}
	return settings;
}
