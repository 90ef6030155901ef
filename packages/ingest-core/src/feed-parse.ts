import type { ChildNode, Element } from 'domhandler';
import { DomUtils, parseDocument } from 'htmlparser2';
import { decodeDocument } from './encoding';
import { FeedError } from './errors';
import { repairXml } from './feed-repair';
import type { PostDraft } from './normalise';

export type FeedFormat = 'rss' | 'atom' | 'rdf';

/** One item or entry as the feed gave it; strings are XML-decoded but may still hold HTML. */
export interface FeedItem {
  guid?: string;
  link?: string;
  title?: string;
  /** Full content (`content:encoded`, Atom `content`) when present. */
  content?: string;
  /** Summary (`description`, Atom `summary`). */
  summary?: string;
  published?: string;
  author?: string;
  /** The item's XML, kept for audit. */
  xml: string;
}

export interface ParsedFeed {
  format: FeedFormat;
  title?: string;
  link?: string;
  encoding: string;
  items: FeedItem[];
  /** Recoveries made: a lying charset, escaped raw `&`/`<`, a truncated body. */
  warnings: string[];
  /** The body ended before the root element closed; unfinished items were dropped. */
  truncated: boolean;
}

function isElement(node: ChildNode): node is Element {
  return node.type === 'tag';
}

function children(el: Element): Element[] {
  return el.children.filter(isElement);
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return (i >= 0 ? name.slice(i + 1) : name).toLowerCase();
}

/** The first child with one of `names` (qualified names compared lower-cased, e.g. `content:encoded`). */
function child(el: Element, ...names: string[]): Element | undefined {
  for (const name of names) {
    const found = el.children.find((c): c is Element => isElement(c) && c.name.toLowerCase() === name);
    if (found) return found;
  }
  return undefined;
}

function text(el: Element | undefined): string | undefined {
  if (!el) return undefined;
  const t = DomUtils.textContent(el).trim();
  return t === '' ? undefined : t;
}

function rssItem(el: Element): FeedItem {
  const guidEl = child(el, 'guid');
  const guid = text(guidEl);
  let link = text(child(el, 'link')) ?? el.attribs['rdf:about'];
  // A guid is the permalink unless it says otherwise (RSS 2.0 §guid).
  if (
    !link &&
    guid &&
    guidEl?.attribs['ispermalink'] !== 'false' &&
    guidEl?.attribs['isPermaLink'] !== 'false' &&
    /^https?:\/\//i.test(guid)
  ) {
    link = guid;
  }
  return {
    guid,
    link,
    title: text(child(el, 'title', 'dc:title')),
    content: text(child(el, 'content:encoded')),
    summary: text(child(el, 'description', 'dc:description')),
    published: text(child(el, 'pubdate', 'dc:date', 'published', 'updated')),
    author: text(child(el, 'dc:creator', 'author')) ?? text(child(el, 'source')),
    xml: DomUtils.getOuterHTML(el, { xmlMode: true }),
  };
}

function atomLink(el: Element): string | undefined {
  const links = children(el).filter((c) => localName(c.name) === 'link' && c.attribs['href']);
  const alternate = links.find((l) => !l.attribs['rel'] || l.attribs['rel'] === 'alternate') ?? links[0];
  return alternate?.attribs['href'];
}

function atomItem(el: Element): FeedItem {
  const find = (n: string) => children(el).find((c) => localName(c.name) === n);
  const authorEl = find('author');
  return {
    guid: text(find('id')),
    link: atomLink(el),
    title: text(find('title')),
    content: text(find('content')),
    summary: text(find('summary')),
    published: text(find('published')) ?? text(find('updated')) ?? text(find('issued')),
    author: authorEl
      ? (text(children(authorEl).find((c) => localName(c.name) === 'name')) ?? text(authorEl))
      : undefined,
    xml: DomUtils.getOuterHTML(el, { xmlMode: true }),
  };
}

function htmlTitle(xml: string): string | undefined {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(xml);
  return m?.[1]?.replace(/\s+/g, ' ').trim();
}

/**
 * Parses RSS 2.0/0.9x, RSS 1.0 (RDF) and Atom bytes. Decodes the charset (see decodeDocument),
 * repairs raw `&` and `<`, and keeps the items of a truncated body that were complete.
 * Throws FeedError('not-a-feed') for an HTML page or any other root element: a maintenance
 * page must be a failed poll, never zero items that look like a quiet source.
 */
export function parseFeed(bytes: Uint8Array, contentType?: string): ParsedFeed {
  const decoded = decodeDocument(bytes, contentType);
  const warnings = [...decoded.warnings];
  const repaired = repairXml(decoded.text);
  if (repaired.repairs > 0) warnings.push(`escaped ${repaired.repairs} raw '&' or '<' characters`);

  const doc = parseDocument(repaired.xml, { xmlMode: true });
  const root = doc.children.find(isElement);
  if (!root) throw new FeedError('not-xml', 'no root element: the body is not XML');
  const rootName = localName(root.name);
  if (rootName === 'html' || /^\s*<!doctype\s+html/i.test(decoded.text)) {
    const title = htmlTitle(decoded.text);
    throw new FeedError('not-a-feed', `the URL served an HTML page${title ? ` ("${title}")` : ''}, not a feed`);
  }

  let format: FeedFormat;
  let channel: Element;
  let itemEls: Element[];
  if (rootName === 'rss') {
    format = 'rss';
    channel = child(root, 'channel') ?? root;
    // Some generators put items beside the channel instead of inside it.
    itemEls = [...children(channel), ...(channel === root ? [] : children(root))].filter(
      (c) => c.name.toLowerCase() === 'item',
    );
  } else if (rootName === 'rdf') {
    format = 'rdf';
    channel = children(root).find((c) => localName(c.name) === 'channel') ?? root;
    itemEls = children(root).filter((c) => localName(c.name) === 'item');
  } else if (rootName === 'feed') {
    format = 'atom';
    channel = root;
    itemEls = children(root).filter((c) => localName(c.name) === 'entry');
  } else {
    throw new FeedError('not-a-feed', `root element <${root.name}> is not rss, feed or rdf:RDF`);
  }

  let items = itemEls.map(format === 'atom' ? atomItem : rssItem);
  const truncated = !repaired.rootClosed;
  if (truncated) {
    warnings.push('the body ends before the feed closes (truncated)');
    if (items.length > repaired.closedItems) items = items.slice(0, repaired.closedItems);
  }

  const titleEl = children(channel).find((c) => localName(c.name) === 'title');
  const link =
    format === 'atom' ? atomLink(channel) : text(children(channel).find((c) => c.name.toLowerCase() === 'link'));
  return { format, title: text(titleEl), link, encoding: decoded.encoding, items, warnings, truncated };
}

/** A feed item as a post draft: full content preferred over the summary. */
export function feedItemToDraft(item: FeedItem): PostDraft {
  return {
    nativeId: item.guid,
    url: item.link,
    title: item.title,
    text: item.content ?? item.summary ?? '',
    publishedAt: item.published,
    author: item.author,
    raw: { xml: item.xml },
  };
}
