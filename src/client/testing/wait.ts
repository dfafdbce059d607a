// Test helper: wait for a condition driven by real I/O (the fake API server), polling between event-loop
// turns. The limit only turns a hang into a readable failure; it is not a timing assertion.
export async function waitFor(cond: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > limitMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise<void>((r) => setTimeout(r, 2));
  }
}
