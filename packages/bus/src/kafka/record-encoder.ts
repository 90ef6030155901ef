/**
 * A faster encoder for the records of a produce request, swapped in for kafkajs 2.2.4's own.
 *
 * kafkajs encodes each record through its generic Encoder: two zero-filled 512-byte buffers (the
 * record and its header), a regrowth to 1 KiB for a post-sized value, a small Buffer per varint
 * and Long arithmetic for the timestamp delta. On ingestion that was a third of the CPU per post
 * spent outside our code. This writes the same bytes (record-encoder.test.ts compares them with
 * kafkajs' encoder) into one exactly-sized buffer, and hands anything unusual back to kafkajs.
 *
 * kafkajs loads its produce request lazily and takes the record encoder from the module cache,
 * so replacing the cached module's exports before the first produce is enough. The swap only
 * happens for the pinned version whose byte layout the test checks.
 */
import { loadKafkajs as load, pinnedKafkajsPatch } from './pinned-kafkajs';

type KafkajsRecord = (record: RecordInput) => { buf: Buffer; buffer: Buffer };

interface RecordInput {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}

const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0';

function zigZag(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

function sizeOfUVarInt(u: number): number {
  return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
}

function writeUVarInt(buf: Buffer, at: number, u: number): number {
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

/** Byte length of a key, value or header value as kafkajs writes it; -1 for null. */
function byteLengthOf(v: unknown): number {
  if (v === null || v === undefined) return -1;
  return Buffer.isBuffer(v) ? v.length : Buffer.byteLength(v as string, 'utf8');
}

function sizeOfBytes(length: number): number {
  return length < 0 ? 1 : sizeOfUVarInt(zigZag(length)) + length;
}

function writeBytes(buf: Buffer, at: number, v: unknown, length: number): number {
  if (length < 0) return writeUVarInt(buf, at, zigZag(-1));
  at = writeUVarInt(buf, at, zigZag(length));
  if (Buffer.isBuffer(v)) v.copy(buf, at);
  else buf.write(v as string, at, length, 'utf8');
  return at + length;
}

const isSmallInt = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= -0x3fffffff && n <= 0x3fffffff;
const isPlainBytes = (v: unknown) => v === null || v === undefined || typeof v === 'string' || Buffer.isBuffer(v);

/**
 * The Record v0 layout: length varint, attributes int8, timestamp delta varlong, offset delta
 * varint, key and value as varint-prefixed bytes, headers as a varint count of key/value pairs.
 * Returns undefined when the record is not the common shape (kafkajs then encodes it).
 */
export function encodeRecord(record: RecordInput): { buf: Buffer; buffer: Buffer } | undefined {
  const offsetDelta = record.offsetDelta ?? 0;
  const timestampDelta = record.timestampDelta ?? 0;
  if (!isSmallInt(offsetDelta) || !isSmallInt(timestampDelta)) return undefined;
  const { key, value } = record;
  if (!isPlainBytes(key) || !isPlainBytes(value)) return undefined;
  const headers = record.headers ?? {};
  const names = Object.keys(headers);
  for (const name of names) if (typeof headers[name] !== 'string' && !Buffer.isBuffer(headers[name])) return undefined;

  const keyLength = byteLengthOf(key);
  const valueLength = byteLengthOf(value);
  let headersSize = sizeOfUVarInt(zigZag(names.length));
  const headerLengths: number[] = [];
  for (const name of names) {
    const nameLength = Buffer.byteLength(name, 'utf8');
    const headerValueLength = byteLengthOf(headers[name]);
    headerLengths.push(nameLength, headerValueLength);
    headersSize += sizeOfBytes(nameLength) + sizeOfBytes(headerValueLength);
  }
  const body =
    1 +
    sizeOfUVarInt(zigZag(timestampDelta)) +
    sizeOfUVarInt(zigZag(offsetDelta)) +
    sizeOfBytes(keyLength) +
    sizeOfBytes(valueLength) +
    headersSize;
  const total = sizeOfUVarInt(zigZag(body)) + body;
  const buf = Buffer.allocUnsafe(total);
  let at = writeUVarInt(buf, 0, zigZag(body));
  buf[at++] = 0; // attributes: none used
  at = writeUVarInt(buf, at, zigZag(timestampDelta));
  at = writeUVarInt(buf, at, zigZag(offsetDelta));
  at = writeBytes(buf, at, key, keyLength);
  at = writeBytes(buf, at, value, valueLength);
  at = writeUVarInt(buf, at, zigZag(names.length));
  names.forEach((name, i) => {
    at = writeBytes(buf, at, name, headerLengths[2 * i]!);
    at = writeBytes(buf, at, headers[name], headerLengths[2 * i + 1]!);
  });
  if (at !== total) throw new Error(`record encoder wrote ${at} bytes of ${total}`);
  return { buf, buffer: buf };
}

/**
 * Puts `encodeRecord` in front of kafkajs' record encoder (idempotent). False when kafkajs is not
 * the pinned version or its produce request was loaded already; kafkajs' encoder then stays.
 */
export const installRecordEncoder = pinnedKafkajsPatch(() => {
  const requestPath = load.resolve('kafkajs/src/protocol/requests/produce/v3/request');
  if (load.cache[requestPath]) return false;
  const recordPath = load.resolve(RECORD_MODULE);
  const original = load(RECORD_MODULE) as KafkajsRecord;
  const fast: KafkajsRecord = (record) => encodeRecord(record) ?? original(record);
  load.cache[recordPath]!.exports = fast;
  return true;
});

/** kafkajs' own record encoder, for the test that compares bytes. */
export function kafkajsRecordEncoder(): KafkajsRecord {
  const recordPath = load.resolve(RECORD_MODULE);
  const cached = load.cache[recordPath];
  // The original is what the module file evaluates to; reload it apart from the cache entry.
  delete load.cache[recordPath];
  try {
    return load(RECORD_MODULE) as KafkajsRecord;
  } finally {
    if (cached) load.cache[recordPath] = cached;
  }
}
