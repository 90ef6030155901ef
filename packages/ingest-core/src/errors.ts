/** One problem with one field of an incoming item, e.g. `posts[3].publishedAt: not a date`. */
export interface FieldIssue {
  /** Path into the item as the source gave it (or into our post when the source has no path). */
  path: (string | number)[];
  reason: string;
}

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

export function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${formatPath(i.path)}: ${i.reason}`).join('; ');
}

/** An item that cannot become a post. Carries every field problem, not only the first. */
export class InvalidItemError extends Error {
  override readonly name = 'InvalidItemError';
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid item: ${formatIssues(issues)}`);
  }
}

export type FeedErrorCode =
  /** The body is an HTML page (maintenance, login, captcha) served at a feed URL. */
  | 'not-a-feed'
  /** The bytes decode as no charset we trust. */
  | 'undecodable'
  /** Nothing that looks like XML at all (empty, binary, JSON…). */
  | 'not-xml';

/** A fetched body that is not a usable feed. The poller counts it as a failed poll. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(
    readonly code: FeedErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type FetchErrorCode = 'timeout' | 'too-large' | 'too-many-redirects' | 'http-status' | 'network' | 'aborted';

/** A fetch that did not produce a body we can use. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly code: FetchErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A platform API answered with its own error object (e.g. Weibo `error_code: "20502"`). */
export class VendorError extends Error {
  override readonly name = 'VendorError';
  constructor(
    readonly vendorCode: string,
    message: string,
  ) {
    super(`vendor error ${vendorCode}: ${message}`);
  }
}

/** A JSON response whose shape does not match the source's mapping. */
export class MappingError extends Error {
  override readonly name = 'MappingError';
  constructor(message: string) {
    super(message);
  }
}
