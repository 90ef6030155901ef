/**
 * Lenient repair of feed XML before parsing. Real feeds carry a raw `&` in link query strings
 * (`?a=1&b=2`) and a raw `<` in titles (`《<草根网>的前途与未来 》`); a strict parser stops at
 * the first. Outside CDATA sections and comments, a `&` that does not start an entity becomes
 * `&amp;` and a `<` that cannot start markup becomes `&lt;`.
 */
export interface RepairedXml {
  xml: string;
  /** How many characters were escaped. */
  repairs: number;
  /** Closing tags of items and entries seen outside CDATA: a truncated body has fewer than its open items. */
  closedItems: number;
  /** Whether the document's root element was closed; false means the body was cut off. */
  rootClosed: boolean;
}

const SECTION_RE = /<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<!--[\s\S]*?(?:-->|$)/g;
const BARE_AMP_RE = /&(?!#\d{1,7};|#x[0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9._-]{0,31};)/g;
// Markup starts with an ASCII name character, `/`, `!` or `?`. Tag names in CJK are legal XML but
// never appear in feeds, while a CJK character after a raw `<` is common in Chinese titles.
const BARE_LT_RE = /<(?![A-Za-z_:/!?])/g;
const CLOSE_ITEM_RE = /<\/(?:[\w-]+:)?(?:item|entry)\s*>/g;
// Generators append comments after the root (`<!-- built in 0.2 s -->`).
const CLOSE_ROOT_RE = /<\/(?:[\w-]+:)?(?:rss|feed|RDF)\s*>(?:\s|<!--[\s\S]*?-->)*$/;

export function repairXml(input: string): RepairedXml {
  let repairs = 0;
  let closedItems = 0;
  const fix = (segment: string): string => {
    closedItems += segment.match(CLOSE_ITEM_RE)?.length ?? 0;
    return segment
      .replace(BARE_AMP_RE, () => {
        repairs++;
        return '&amp;';
      })
      .replace(BARE_LT_RE, () => {
        repairs++;
        return '&lt;';
      });
  };
  let out = '';
  let last = 0;
  for (const m of input.matchAll(SECTION_RE)) {
    out += fix(input.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  const tail = input.slice(last);
  out += fix(tail);
  return { xml: out, repairs, closedItems, rootClosed: CLOSE_ROOT_RE.test(input.slice(-8192)) };
}
