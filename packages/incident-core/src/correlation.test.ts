import type { Classification } from '@huiying/contracts';
import {
  addFingerprint,
  boundedFingerprints,
  correlate,
  correlateAmong,
  defaultCorrelationPolicy,
  incidentIdFor,
  MatchVocabulary,
  packMatch,
  repostFingerprint,
  type OpenIncident,
} from './correlation';

const classification = (subtype: string, counties: string[], keyTerms: string[]): Classification => ({
  version: 'test', sentiment: 'negative', departments: [], counties, keyTerms,
  emergency: { flagged: true, category: 'natural_disaster', subtype, level: null, score: 0.8, evidence: [] },
  rumor: { flagged: false, score: 0, evidence: [] },
});
const incident = (id: string, over: Partial<OpenIncident> = {}): OpenIncident => ({
  id, kind: 'emergency', subtype: 'landslide', category: 'natural_disaster', counties: ['文县'],
  keyTerms: ['文县', '碧口镇', '滑坡'], lastPostAt: '2025-07-01T02:00:00.000Z', ...over,
});
const post = { id: 'p1', publishedAt: '2025-07-01T03:00:00.000Z' };
const copied = '今天下午，G212线附近发生塌方，道路中断，多名群众被困。';

describe('correlate', () => {
  it.each<[string, Partial<typeof post> & { text?: string }, Classification, OpenIncident[], string | null, RegExp]>([
    ['same town', {}, classification('landslide', ['文县'], ['文县', '碧口镇', '山体滑坡']), [incident('a')], 'a', /^same locality/],
    ['another town of the same county is another event', {}, classification('landslide', ['文县'], ['文县', '临江镇', '滑坡']), [incident('a')], null, /^no open/],
    ['the county alone joins', {}, classification('landslide', ['文县'], ['文县', '滑坡']), [incident('a')], 'a', /^same county/],
    ['the town beats the county', {}, classification('landslide', ['文县'], ['文县', '临江镇', '滑坡']), [incident('a'), incident('b', { keyTerms: ['文县', '临江镇', '塌方'] })], 'b', /^same locality/],
    ['another subtype is another event', {}, classification('flood', ['文县'], ['文县', '碧口镇', '洪水']), [incident('a')], null, /^no open/],
    ['outside the window', { publishedAt: '2025-07-01T08:00:00.001Z' }, classification('landslide', ['文县'], ['文县', '碧口镇']), [incident('a')], null, /^no open/],
    ['a copied text without a place', { text: `太吓人了//@网友:${copied}` }, classification('landslide', [], ['塌方']), [incident('a', { fingerprints: [repostFingerprint(copied)!] })], 'a', /^near-duplicate/],
    ['a copied text never crosses a county', { text: `转发：${copied}` }, classification('landslide', ['康县'], ['康县', '塌方']), [incident('a', { fingerprints: [repostFingerprint(copied)!] })], null, /^no open/],
    ['no place and no copy: key terms only', {}, classification('landslide', [], ['滑坡']), [incident('a')], null, /^no open/],
    ['the town alone joins', {}, classification('landslide', [], ['滑坡', '碧口镇']), [incident('a', { counties: [] })], 'a', /^same locality/],
  ])('%s', (_name, over, c, open, joins, because) => {
    const decision = correlate({ ...post, ...over }, c, open);
    expect(decision.action).toBe(joins ? 'join' : 'open');
    expect(decision.incidentId).toBe(joins ?? incidentIdFor('p1'));
    expect(decision.because).toMatch(because);
    // The same on packed match data, as the correlation cache hands candidates over.
    const vocabulary = new MatchVocabulary(defaultCorrelationPolicy.localityPattern);
    const packed = open.map((o) => packMatch(o, vocabulary));
    expect(packed.every(Boolean)).toBe(true);
    const fingerprint = over.text === undefined ? null : repostFingerprint(over.text);
    expect(correlateAmong({ ...post, ...over }, c, open, (o) => o, defaultCorrelationPolicy, { fingerprint, packed: { vocabulary, packed } }).decision).toEqual(decision);
  });

  it('reads the fields of what packed data cannot hold, or of data packed for another pattern', () => {
    const vocabulary = new MatchVocabulary(defaultCorrelationPolicy.localityPattern);
    const odd = [incident('a', { fingerprints: ['not-a-fingerprint'] }), incident('b', { lastPostAt: '2025-07-01T10:00:00+08:00' })];
    expect(odd.map((o) => packMatch(o, vocabulary))).toEqual([undefined, undefined]);
    const c = classification('landslide', ['文县'], ['文县', '临江镇', '滑坡']);
    const packed = { vocabulary, packed: odd.map(() => undefined) };
    expect(correlateAmong(post, c, odd, (o) => o, defaultCorrelationPolicy, { fingerprint: null, packed }).decision).toEqual(correlate(post, c, odd));
    // A policy whose pattern sees no localities: the town does not veto, the county joins.
    const policy = { ...defaultCorrelationPolicy, localityPattern: /^$/ };
    const open = [incident('a')];
    const decision = correlateAmong(post, c, open, (o) => o, policy, { fingerprint: null, packed: { vocabulary, packed: open.map((o) => packMatch(o, vocabulary)) } }).decision;
    expect(decision).toEqual(correlate(post, c, open, policy));
    expect(decision).toMatchObject({ action: 'join', because: expect.stringMatching(/^same county/) });
  });

  it('takes its locality pattern from the policy', () => {
    const policy = { ...defaultCorrelationPolicy, localityPattern: /^$/ };
    const decision = correlate(post, classification('landslide', ['文县'], ['文县', '临江镇', '滑坡']), [incident('a')], policy);
    expect(decision).toMatchObject({ action: 'join', because: expect.stringMatching(/^same county/) });
  });
});

describe('repostFingerprint', () => {
  const fp = repostFingerprint(copied);
  it.each([
    [`转发：${copied}`],
    [`【转】${copied}`],
    [`转发微博 ${copied}`],
    [`扩散！${copied}`],
    [`祈福//@用户12:注意安全//@用户7:${copied}`],
    [`希望大家平安，转发 ${copied}`],
    [copied.replace(/，/g, ',').replace('212', '２１２')], // punctuation and full-width digits
  ])('a copy has the same fingerprint: %s', (text) => {
    expect(repostFingerprint(text)).toBe(fp);
  });

  it.each([
    [copied.replace('多名', '三名')], // a changed detail near the end
    ['短文本，塌方'], // too short to tell copies apart
  ])('another text does not: %s', (text) => {
    expect(repostFingerprint(text)).not.toBe(fp);
  });
});

describe('the fingerprints an incident keeps', () => {
  const posts = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`);

  it.each([
    ['fewer than the bound: all, in order', 5, 8, posts(5)],
    ['a repeat changes nothing', 3, 8, posts(3)],
    ['beyond the bound: the first quarter and the newest', 20, 8, ['f0', 'f1', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']],
  ])('%s', (_, n, max, kept) => {
    const set = new Set<string>();
    for (const f of posts(n)) addFingerprint(set, f, max);
    if (n === 3) expect(addFingerprint(set, 'f1', max)).toBe(false);
    expect([...set]).toEqual(kept);
    // Merges and splits bound a list the same way.
    expect(boundedFingerprints([...posts(n), ...posts(n)], max)).toEqual(kept);
  });

  it('a big event keeps the default bound however many posts join', () => {
    const set = new Set<string>();
    for (const f of posts(10_000)) addFingerprint(set, f);
    expect(set.size).toBe(defaultCorrelationPolicy.maxFingerprints);
    expect(set.has('f0')).toBe(true); // the opening post, the one most copied
    expect(set.has('f9999')).toBe(true);
  });
});
