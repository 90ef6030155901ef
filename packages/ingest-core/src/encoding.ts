import iconv from 'iconv-lite';
import { FeedError } from './errors';

export interface DecodedText {
  text: string;
  /** The charset the bytes were read as. */
  encoding: string;
  /** Where a declaration was wrong or missing and the bytes decided. */
  warnings: string[];
}

/** Chinese sites declare GB2312 or GBK and write GBK or GB18030 characters; GB18030 covers all three. */
const ALIASES: Record<string, string> = {
  gb2312: 'gb18030',
  'gb_2312-80': 'gb18030',
  gbk: 'gb18030',
  'x-gbk': 'gb18030',
  cp936: 'gb18030',
  'windows-936': 'gb18030',
  'euc-cn': 'gb18030',
  utf8: 'utf-8',
};

function canonicalCharset(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const lower = name
    .trim()
    .toLowerCase()
    .replace(/^["']|["']$/g, '');
  if (lower === '') return undefined;
  return ALIASES[lower] ?? lower;
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return m?.[2];
}

/** The encoding named in an XML prolog or an HTML meta tag within the first 1 KB. */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).toString('latin1');
  const xml = /<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']/i.exec(head);
  if (xml) return xml[1];
  const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  return meta?.[1];
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return undefined;
  }
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

/** True when the first bytes are ASCII markup without NULs, which UTF-16 text can never be. */
function looksAsciiCompatible(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 64);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return n > 0;
}

function replacementRatio(text: string): number {
  let bad = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) bad++;
  return text.length === 0 ? 0 : bad / text.length;
}

/**
 * Decodes a fetched document. Order of trust: a BOM; then the bytes themselves where they are
 * unambiguous (valid UTF-8 with non-ASCII characters is UTF-8 whatever the header says, and
 * ASCII-readable bytes are not UTF-16 whatever the prolog says); then the HTTP header charset;
 * then the XML prolog or HTML meta; then GB18030 for undeclared non-UTF-8 bytes, since the
 * sources are Chinese. Throws FeedError('undecodable') when nothing reads cleanly.
 */
export function decodeDocument(bytes: Uint8Array, contentType?: string): DecodedText {
  const warnings: string[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    return { text: buf.subarray(3).toString('utf8'), encoding: 'utf-8', warnings };
  }
  if (buf[0] === 0xff && buf[1] === 0xfe)
    return { text: iconv.decode(buf.subarray(2), 'utf-16le'), encoding: 'utf-16le', warnings };
  if (buf[0] === 0xfe && buf[1] === 0xff)
    return { text: iconv.decode(buf.subarray(2), 'utf-16be'), encoding: 'utf-16be', warnings };

  const fromHeader = canonicalCharset(charsetFromContentType(contentType));
  const fromDocument = canonicalCharset(declaredCharset(buf));
  let declared = fromHeader ?? fromDocument;
  if (declared?.startsWith('utf-16') && looksAsciiCompatible(buf)) {
    warnings.push(`declared ${declared} but the bytes are ASCII-compatible; ignored the declaration`);
    declared = fromHeader && fromDocument && !fromDocument.startsWith('utf-16') ? fromDocument : undefined;
  }

  if (isAscii(buf)) return { text: buf.toString('latin1'), encoding: declared ?? 'utf-8', warnings };

  const utf8 = tryUtf8(buf);
  if (utf8 !== undefined) {
    if (declared && declared !== 'utf-8')
      warnings.push(`declared ${declared} but the bytes are valid UTF-8; read as UTF-8`);
    return { text: utf8, encoding: 'utf-8', warnings };
  }

  if (declared && declared !== 'utf-8') {
    if (!iconv.encodingExists(declared)) {
      throw new FeedError('undecodable', `unsupported charset "${declared}"`);
    }
    return { text: iconv.decode(buf, declared), encoding: declared, warnings };
  }

  const gb = iconv.decode(buf, 'gb18030');
  // A few stray bytes are tolerated (a truncated last character); more means it is not GB text.
  if (replacementRatio(gb) < 0.001) {
    warnings.push(
      declared === 'utf-8'
        ? 'declared UTF-8 but the bytes are not; read as GB18030'
        : 'no charset declared; bytes read as GB18030',
    );
    return { text: gb, encoding: 'gb18030', warnings };
  }
  throw new FeedError('undecodable', `bytes are neither UTF-8 nor GB18030${declared ? ` (declared ${declared})` : ''}`);
}
