import { editDistance } from './controller-config-schema';

/** The nearest of `candidates` to `word`, when it is close enough to be a slip of the keyboard. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // Never close when the lengths differ by more than two edits: no distance of a megabyte-long word is computed.
    if (Math.abs(word.length - candidate.length) > 2) continue;
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  // Up to two edits (one swap of neighbours is two), fewer for short words: `--fiel` finds `--file`, `--x` nothing.
  return best && best.distance <= Math.max(1, Math.min(2, Math.floor(word.length / 2))) ? best.candidate : undefined;
}
