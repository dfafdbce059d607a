// Test helpers shared by this folder's tests: a fixed clock and timestamps relative to it.

/** The fixed "now" of every table test. */
export const NOW = Date.parse('2025-06-01T12:00:00Z');

/** RFC3339 timestamp `seconds` before NOW (Kubernetes' second precision). */
export function ago(seconds: number): string {
  return new Date(NOW - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A minimal object with metadata name and a creationTimestamp `ageSeconds` ago. */
export function metaOf(name: string, ageSeconds = 60, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(ageSeconds), ...extra };
}
