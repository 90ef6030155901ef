// Pure ingestion logic and connectors. The ingest service wires them to Kafka, Redis and HTTP.
export { canonicalUrl, DEFAULT_TRACKING_PARAMS, type CanonicalUrlOptions } from './canonical-url';
export {
  checkDuplicate,
  checkDuplicates,
  dedupText,
  exactKeys,
  MemoryDedupStore,
  DEFAULT_DEDUP_WINDOW_MS,
  DEFAULT_HAMMING_THRESHOLD,
  type DedupOptions,
  type DedupSnapshot,
  type DedupStore,
  type DedupVerdict,
  type DedupWrite,
} from './dedup';
export { charsetFromContentType, decodeDocument, declaredCharset, type DecodedText } from './encoding';
export {
  FeedError,
  FetchError,
  formatIssues,
  formatPath,
  InvalidItemError,
  MappingError,
  VendorError,
  type FeedErrorCode,
  type FetchErrorCode,
  type FieldIssue,
} from './errors';
export { feedItemToDraft, parseFeed, type FeedFormat, type FeedItem, type ParsedFeed } from './feed-parse';
export { feedSource, type FeedCursor, type FeedSourceConfig } from './feed-poller';
export {
  CSV_COLUMNS,
  formatFromPath,
  readImportFile,
  type FileImportOptions,
  type ImportFormat,
  type ImportRecord,
} from './file-import';
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REDIRECTS,
  httpGet,
  type HttpFetchOptions,
  type HttpFetchResult,
} from './http-fetch';
export { compareIds, CursorStrategy, nextCursor, urlWithCursor, type CursorStep } from './json-cursor';
export { FieldPath, JsonMapping, mapJsonBatch, WEIBO_V2_TIMELINE_MAPPING, type MappedBatch } from './json-mapping';
export { compileJsonPath, getJson, JsonPathSyntaxError, queryJson } from './json-path';
export { jsonPageToPosts, jsonSource, parseJsonBody, type JsonSourceConfig } from './json-poller';
export {
  normalisePost,
  parseCount,
  stablePostId,
  type NormaliseContext,
  type NormaliseResult,
  type PostDraft,
} from './normalise';
export { nextPollDelay, sourceHealth, type PollTiming, type SourceHealth } from './poll-schedule';
export { BEIJING_OFFSET_MINUTES, formatInstant, parsePublishedAt, type ParsedTime } from './published-at';
export { paced, replayOffsets, ReplaySchedule, type PaceClock, type ReplayPace } from './replay-pace';
export { hammingDistance, hammingDistanceOf, simhash, simhashBands, simhashOf, textFeatures, type SimHashOptions } from './simhash';
export {
  SourcePoller,
  type PollBatch,
  type PollerOptions,
  type PollerState,
  type PollOutcome,
  type PollSource,
  type RejectedItem,
} from './source-poller';
export { cleanText, normaliseText, stripHtml } from './text';
export {
  DEFAULT_WEBHOOK_MAX_BATCH,
  parseWebhookBody,
  signWebhook,
  verifyWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_MS,
  WebhookPost,
  webhookSignatureHeader,
  type VerifyWebhookInput,
  type WebhookBodyResult,
  type WebhookRefusal,
  type WebhookVerdict,
} from './webhook';
