/**
 * Query parameters that say who shared or clicked a link, not which page it is. Removing them
 * makes the same article shared from WeChat, Weibo and a newsletter one canonical URL.
 * Matched case-insensitively; entries ending in `*` are prefixes.
 */
export const DEFAULT_TRACKING_PARAMS: readonly string[] = [
  'utm_*',
  'spm',
  'from',
  'share_token',
  'share_source',
  'share_medium',
  'share_plat',
  'share_from',
  'shareid',
  'sharer_shareid',
  'isappinstalled',
  'scene',
  'subscene',
  'clicktime',
  'enterid',
  'chksm',
  'sessionid',
  'ascene',
  'devicetype',
  'pass_ticket',
  'wfr',
  'fbclid',
  'gclid',
  'msclkid',
  'yclid',
  'mc_cid',
  'mc_eid',
  'ref_src',
  'vd_source',
  'timestamp',
  '_t',
];

export interface CanonicalUrlOptions {
  /** Replaces DEFAULT_TRACKING_PARAMS. */
  trackingParams?: readonly string[];
  /** Resolves relative links (`/n?cmd=2`) against the feed's or page's URL. */
  base?: string;
}

function trackingMatcher(params: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const p of params) {
    const lower = p.toLowerCase();
    if (lower.endsWith('*')) prefixes.push(lower.slice(0, -1));
    else exact.add(lower);
  }
  return (name) => {
    const lower = name.toLowerCase();
    return exact.has(lower) || prefixes.some((p) => lower.startsWith(p));
  };
}

const defaultMatcher = trackingMatcher(DEFAULT_TRACKING_PARAMS);

/**
 * The URL that identifies the page: http(s) only, host lower-cased, default port dropped,
 * tracking parameters removed, remaining parameters sorted by name (stable for equal names),
 * fragment dropped. Returns undefined for anything that is not an absolute http(s) URL after
 * resolution, so a bad link never becomes a dedup key.
 */
export function canonicalUrl(raw: string, options: CanonicalUrlOptions = {}): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    url = options.base ? new URL(trimmed, options.base) : new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const isTracking = options.trackingParams ? trackingMatcher(options.trackingParams) : defaultMatcher;
  const kept = [...url.searchParams].filter(([name]) => !isTracking(name));
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  url.search = new URLSearchParams(kept).toString();
  url.hash = '';
  // URL already lower-cases the host and drops default ports; a trailing dot names the same host.
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  return url.toString();
}
