/**
 * What the classifier accepts, and how a text is normalised before anything reads it. Bad input
 * is refused with a typed error naming the reason, so a consumer can drop the post and go on.
 */

export type RejectionReason = 'empty' | 'binary' | 'not_text';

export class ClassifierInputError extends Error {
  constructor(
    readonly reason: RejectionReason,
    detail: string,
  ) {
    super(`cannot classify: ${reason}: ${detail}`);
    this.name = 'ClassifierInputError';
  }
}

/** Default cap on the characters read; the event is stated at the top, and jieba is linear. */
export const DEFAULT_MAX_CHARS = 20_000;

// A small table of traditional → simplified characters for the emergency and rumour vocabulary,
// so 「文縣發生山體滑坡」 reads like the simplified form. Not a full converter: enough for the
// terms the rules look for, cheap enough to run on every post.
const TRADITIONAL =
  '災發縣區體傷亡險爆燒車禍礦難疫衛飲處門網傳據說擴轉轉實謠闢聞報導歲數億萬餘這個們為會時對說來與國際應急辦員醫藥價們當產業計劃劃學農糧稅質監環境測試練習聯絡鄉鎮壩橋樑塌陷龍漢嶺溝雲開關無從經濟損間題點動態紀錄據稱啟動預測氣溫風颱雨雪災澇凍證確診隔離死傷傳播謠';
const SIMPLIFIED =
  '灾发县区体伤亡险爆烧车祸矿难疫卫饮处门网传据说扩转转实谣辟闻报导岁数亿万余这个们为会时对说来与国际应急办员医药价们当产业计划划学农粮税质监环境测试练习联络乡镇坝桥梁塌陷龙汉岭沟云开关无从经济损间题点动态纪录据称启动预测气温风台雨雪灾涝冻证确诊隔离死伤传播谣';
const T2S = new Map<string, string>();
for (let i = 0; i < TRADITIONAL.length; i++) {
  const t = TRADITIONAL[i]!;
  const s = SIMPLIFIED[i]!;
  if (t !== s) T2S.set(t, s);
}
const TRADITIONAL_RE = new RegExp(`[${[...T2S.keys()].join('')}]`, 'g');

// C0 controls except tab/newline/CR, DEL, and U+FFFD (what a decoder leaves for bad bytes).
// eslint-disable-next-line no-control-regex
const JUNK_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/g;
// eslint-disable-next-line no-control-regex
const HAS_JUNK_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/**
 * One table over the BMP answers, in a single pass over a post, whether it needs any of the
 * costly steps: 1 = NFKC may change the unit (it changes on its own, is a combining mark that
 * may compose, a conjoining jamo, or a surrogate, left to ICU); 2 = control or replacement
 * character; 4 = traditional character we map. Most posts need none, and skipping ICU and the
 * regexes for them saves a tenth of the classifier's time.
 */
const NEEDS_NFKC = 1;
const HAS_JUNK = 2;
const HAS_TRADITIONAL = 4;
const CHAR_FLAGS = (() => {
  const table = new Uint8Array(0x10000);
  const mark = /\p{M}/u;
  for (let c = 0; c < 0x10000; c++) {
    const ch = String.fromCharCode(c);
    if ((c >= 0xd800 && c <= 0xdfff) || (c >= 0x1100 && c <= 0x11ff) || ch.normalize('NFKC') !== ch || mark.test(ch))
      table[c]! |= NEEDS_NFKC;
    if (HAS_JUNK_RE.test(ch)) table[c]! |= HAS_JUNK;
    if (T2S.has(ch)) table[c]! |= HAS_TRADITIONAL;
  }
  return table;
})();

function charFlags(text: string): number {
  let flags = 0;
  for (let i = 0; i < text.length; i++) flags |= CHAR_FLAGS[text.charCodeAt(i)]!;
  return flags;
}

/**
 * Normalises a post's text: NFKC (full-width digits and letters become ASCII, so ３人 reads as
 * 3人), common traditional characters to simplified, control characters removed, cut to
 * `maxChars`. Throws ClassifierInputError for text that cannot be read as language.
 */
export function normalizeText(raw: unknown, maxChars: number = DEFAULT_MAX_CHARS): string {
  if (typeof raw !== 'string') throw new ClassifierInputError('not_text', `got ${typeof raw}`);
  let text = raw.length > maxChars ? raw.slice(0, maxChars) : raw;
  let flags = charFlags(text);
  if ((flags & HAS_JUNK) !== 0) {
    const before = text.length;
    text = text.replace(JUNK_RE, '');
    // Mostly control bytes or replacement characters: binary read as text, not a post.
    if (text.length < before * 0.7) {
      throw new ClassifierInputError(
        'binary',
        `${before - text.length} of ${before} characters are control or replacement characters`,
      );
    }
  }
  if ((flags & NEEDS_NFKC) !== 0) {
    text = text.normalize('NFKC');
    flags = charFlags(text);
  }
  if ((flags & HAS_TRADITIONAL) !== 0) text = text.replace(TRADITIONAL_RE, (c) => T2S.get(c) ?? c);
  if (text.trim().length === 0) throw new ClassifierInputError('empty', 'no text after normalising');
  return text;
}
