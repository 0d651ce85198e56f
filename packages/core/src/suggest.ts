// "Did you mean": the closest of the names a user could have meant, for error messages.

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The candidate closest to `text` (case-insensitive edits), if one is close enough to be what was meant. */
export function closestName(text: string, candidates: readonly string[]): string | undefined {
  const closeEnough = Math.max(2, Math.floor(text.length / 4));
  let best: { name: string; score: number } | undefined;
  for (const candidate of candidates) {
    // Edits are at least the difference in length: skipping those keeps a huge input (a pasted file, an attack) from
    // costing its length times every candidate's.
    if (Math.abs(text.length - candidate.length) > closeEnough) continue;
    const score = editDistance(text, candidate);
    if (!best || score < best.score) best = { name: candidate, score };
  }
  return best && best.score <= closeEnough ? best.name : undefined;
}
