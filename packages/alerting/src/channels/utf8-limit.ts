const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * The longest prefix of `text` within `maxBytes` UTF-8 bytes, cut between whole characters
 * (code points, so neither a 3-byte 汉字 nor a surrogate pair is split), with `ellipsis` added
 * when something was cut.
 */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = '…'): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const budget = maxBytes - utf8Bytes(ellipsis);
  if (budget <= 0) return '';
  let used = 0;
  let out = '';
  for (const ch of text) {
    const size = utf8Bytes(ch);
    if (used + size > budget) break;
    used += size;
    out += ch;
  }
  return out + ellipsis;
}

/** Cut to `maxChars` characters (code points), for limits counted in characters. */
export function truncateChars(text: string, maxChars: number, ellipsis = '…'): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  return chars.slice(0, Math.max(0, maxChars - [...ellipsis].length)).join('') + ellipsis;
}
