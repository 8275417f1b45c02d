/** Ticket ids: derived from the inputs, never random, so the same inputs give the same ticket. */

/** FNV-1a over the canonical inputs: the same book, market time, mode and policy give the same id. */
export function ticketIdFor(parts: unknown): string {
  const text = JSON.stringify(parts);
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  return `tkt-${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}`;
}
