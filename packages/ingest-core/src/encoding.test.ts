import iconv from 'iconv-lite';
import { charsetFromContentType, decodeDocument, declaredCharset } from './encoding';
import { FeedError } from './errors';

const xml = (encoding: string | null, body: string) =>
  `${encoding === null ? '' : `<?xml version="1.0" encoding="${encoding}"?>`}<rss><channel><title>${body}</title></channel></rss>`;
const gbk = (s: string) => iconv.encode(s, 'gbk');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('decodeDocument', () => {
  it.each<[string, string, (title: string) => Buffer, string | undefined, string, boolean]>([
    [
      'UTF-8 with BOM',
      '草根网',
      (t) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(xml('utf-8', t))]),
      undefined,
      'utf-8',
      false,
    ],
    ['UTF-8 undeclared', '开源中国', (t) => utf8(xml(null, t)), undefined, 'utf-8', false],
    ['GB2312 declared in the prolog', '约翰·霍普金斯', (t) => gbk(xml('gb2312', t)), undefined, 'gb18030', false],
    [
      'GBK declared only in the HTTP header',
      '新闻国内',
      (t) => gbk(xml(null, t)),
      'application/rss+xml; charset=GBK',
      'gb18030',
      false,
    ],
    [
      'GB2312 without any declaration (sniffed)',
      '不归移民漫画系列：专业工作',
      (t) => gbk(xml(null, t)),
      undefined,
      'gb18030',
      true,
    ],
    ['declared UTF-16, bytes UTF-8', '転勤・引越し', (t) => utf8(xml('utf-16', t)), undefined, 'utf-8', true],
    [
      'header says UTF-8, bytes are GBK (wrong charset)',
      '系统维护中',
      (t) => gbk(xml(null, t)),
      'text/xml; charset=utf-8',
      'gb18030',
      true,
    ],
    ['header says GBK, bytes are UTF-8', '上海发布', (t) => utf8(xml(null, t)), 'text/xml; charset=gbk', 'utf-8', true],
  ])('%s', (_name, title, encode, contentType, encoding, warned) => {
    const decoded = decodeDocument(encode(title), contentType);
    expect(decoded.encoding).toBe(encoding);
    expect(decoded.text).toContain(`<title>${title}</title>`);
    expect(decoded.warnings.length > 0).toBe(warned);
  });

  it('decodes UTF-16 with a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(xml('utf-16', '中文'), 'utf-16le')]);
    expect(decodeDocument(bytes).text).toContain('中文');
  });

  it('refuses bytes that are neither UTF-8 nor GB18030', () => {
    const binary = Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 7919) % 256));
    expect(() => decodeDocument(binary)).toThrow(FeedError);
  });
});

describe('charset declarations', () => {
  it.each([
    ['text/xml; charset=GB2312', 'GB2312'],
    ['text/xml; charset="utf-8"', 'utf-8'],
    ['text/xml', undefined],
    [undefined, undefined],
  ])('content type %p', (input, expected) => {
    expect(charsetFromContentType(input)).toBe(expected);
  });

  it.each([
    ['<?xml version="1.0" encoding="gb2312"?><rss/>', 'gb2312'],
    ["<?xml version='1.0' encoding='UTF-16'?>", 'UTF-16'],
    ['<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">', 'gb2312'],
    ['<rss/>', undefined],
  ])('document %p', (input, expected) => {
    expect(declaredCharset(Buffer.from(input, 'latin1'))).toBe(expected);
  });
});
