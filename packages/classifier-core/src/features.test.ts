import { createClassifier } from './classifier';
import {
  appendOpeningFeatures,
  createScratch,
  extractTextFeatures,
  featureLabel,
  OPENING_BIGRAMS,
  OPENING_TOKENS,
} from './features';

const BITS = 18;

/** Shared and opening features of a hand-segmented text. */
function features(text: string, tokens: string[]) {
  const scratch = createScratch(BITS);
  const shared = extractTextFeatures(text, tokens, BITS, scratch);
  const rumor = appendOpeningFeatures(shared, scratch);
  const labels = Array.from({ length: rumor }, (_, i) => featureLabel(scratch, i, text, tokens));
  return { labels: { shared: labels.slice(0, shared), opening: labels.slice(shared) } };
}

describe('opening features (rumour model only)', () => {
  it('are the first words (no blanks, no lone punctuation) and the first bigrams, shown after ^', () => {
    const tokens = ['网传', '，', ' ', '白龙江', '水位', '暴涨'];
    const text = '网传， 白龙江水位暴涨';
    const { labels } = features(text, tokens);
    expect(labels.opening).toEqual([
      '^网传',
      '^白龙江',
      '^水位',
      '^暴涨',
      '^网传',
      '^传，',
      '^，白',
      '^白龙',
      '^龙江',
      '^江水',
      '^水位',
      '^位暴',
      '^暴涨',
    ]);
    expect(labels.shared).toContain('网传');
    expect(labels.shared.some((l) => l.startsWith('^'))).toBe(false);
  });

  it('stop after the opening of a long post', () => {
    const words = Array.from({ length: 40 }, (_, i) => `词${String.fromCharCode(0x4e00 + i)}`);
    const { labels } = features(words.join(''), words);
    expect(labels.opening).toHaveLength(OPENING_TOKENS + OPENING_BIGRAMS);
    expect(labels.opening.slice(0, OPENING_TOKENS)).toEqual(words.slice(0, OPENING_TOKENS).map((w) => `^${w}`));
  });

  it('tell the same words at the start from the same words further down, and the shared features do not', () => {
    const words = ['网传', '明天', '停水'];
    const a = features('网传明天停水', ['网传', '明天', '停水']);
    const b = features('明天停水网传', ['明天', '停水', '网传']);
    for (const w of words) {
      expect(a.labels.shared).toContain(w);
      expect(b.labels.shared).toContain(w);
    }
    expect(a.labels.opening[0]).toBe('^网传');
    expect(b.labels.opening[0]).toBe('^明天');
  });

  it('are left out of the emergency model: its features are the rumour model’s without them', () => {
    const classifier = createClassifier({ models: null });
    const a = classifier.analyze({ id: 'x', text: '网传武都区发生山体滑坡，有人被埋，紧急扩散' });
    expect(a.rumorTextLength).toBeGreaterThan(a.emergencyTextLength);
    expect(a.rumorTextLength - a.emergencyTextLength).toBeLessThanOrEqual(OPENING_TOKENS + OPENING_BIGRAMS);
    expect(Array.from(a.rumorFeatures.subarray(0, a.emergencyTextLength))).toEqual(
      Array.from(a.emergencyFeatures.subarray(0, a.emergencyTextLength)),
    );
  });
});
