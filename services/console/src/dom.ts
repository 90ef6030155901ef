/**
 * The only way the console builds DOM. Post texts, titles and author names are hostile input:
 * every string child becomes a Text node and every attribute goes through setAttribute, so no
 * data is ever parsed as HTML. There is no innerHTML anywhere in the console, and the CSP's
 * `require-trusted-types-for 'script'` makes the browser refuse one if it ever appears.
 */
export type Child = Node | string | number | null | undefined | false;

type Attrs = Record<
  string,
  string | number | boolean | null | undefined | EventListener
>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === "function") {
        el.addEventListener(name.replace(/^on/, ""), value);
      } else if (name === "href" || name === "src") {
        el.setAttribute(name, safeUrl(String(value)));
      } else {
        el.setAttribute(name, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(
      typeof c === "string" || typeof c === "number"
        ? document.createTextNode(String(c))
        : c,
    );
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/**
 * Links from posts go only to http(s) and our own hash routes: `javascript:` and `data:` URLs in a
 * hostile post must not become a click away from running.
 */
export function safeUrl(url: string): string {
  if (url.startsWith("#/") || url.startsWith("/api/")) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:"
      ? parsed.href
      : "#";
  } catch {
    return "#";
  }
}
