import type { Classification, Post } from '@huiying/contracts';
import { seededRandom } from '@huiying/seeded-random';

/**
 * A generated stream of posts about known events, for the correlation test: Longnan's counties
 * and their towns, emergency subtypes with the words people use for them, varied wording,
 * interleaved events, and reposts that copy a text behind 转发 / 【】 / `//@` prefixes.
 * Deterministic for a seed. Each post's classification is what the classifier would give:
 * counties and towns named in the text, the subtype's word, the key terms.
 */

const GAZETTEER: Record<string, string[]> = {
  武都区: ['安化镇', '两水镇', '汉王镇', '角弓镇', '马街镇', '琵琶镇', '甘泉镇'],
  文县: ['碧口镇', '临江镇', '中寨镇', '石鸡坝镇', '桥头镇', '范坝镇', '口头坝乡'],
  宕昌县: ['哈达铺镇', '理川镇', '官亭镇', '沙湾镇', '南阳镇'],
  康县: ['阳坝镇', '岸门口镇', '望关镇', '王坝镇', '大堡镇'],
  西和县: ['长道镇', '何坝镇', '石堡镇', '十里镇', '洛峪镇'],
  礼县: ['盐官镇', '祁山镇', '永兴镇', '石桥镇', '红河镇'],
  徽县: ['江洛镇', '伏家镇', '永宁镇', '嘉陵镇', '柳林镇'],
  成县: ['黄渚镇', '抛沙镇', '小川镇', '纸坊镇', '陈院镇'],
  两当县: ['站儿巷镇', '西坡镇', '杨店乡', '云屏镇'],
};
const COUNTIES = Object.keys(GAZETTEER);

const SUBTYPES: Array<{ subtype: string; category: NonNullable<Classification['emergency']['category']>; words: string[] }> = [
  { subtype: 'landslide', category: 'natural_disaster', words: ['山体滑坡', '滑坡', '塌方'] },
  { subtype: 'debris_flow', category: 'natural_disaster', words: ['泥石流'] },
  { subtype: 'flood', category: 'natural_disaster', words: ['山洪', '洪水', '洪涝'] },
  { subtype: 'fire', category: 'accident_disaster', words: ['火灾', '起火', '大火'] },
  { subtype: 'road', category: 'accident_disaster', words: ['车祸', '交通事故', '侧翻'] },
  { subtype: 'collapse', category: 'accident_disaster', words: ['坍塌', '垮塌'] },
  { subtype: 'mine', category: 'accident_disaster', words: ['透水', '矿难'] },
  { subtype: 'explosion', category: 'accident_disaster', words: ['爆炸', '爆燃'] },
  { subtype: 'drowning', category: 'accident_disaster', words: ['溺水', '溺亡'] },
  { subtype: 'food_poisoning', category: 'public_health', words: ['食物中毒', '集体中毒'] },
];
const SUBTYPE_WORDS = SUBTYPES.flatMap((s) => s.words.map((word) => ({ word, entry: s })))
  // Longest first, as a classifier's matcher would: 山体滑坡 before 滑坡.
  .sort((a, b) => b.word.length - a.word.length);

export interface StreamEvent {
  id: number;
  county: string;
  town: string;
  subtype: string;
  startMs: number;
  endMs: number;
  /** Another event of the same county and subtype is near in time: its posts must name the town. */
  crowded: boolean;
}

export interface StreamPost {
  post: Post;
  classification: Classification;
  eventId: number;
  /** When the post reaches the incident service: publishedAt plus collection delay. */
  arrivesAt: number;
}

export interface StreamOptions {
  seed: number;
  events: number;
  posts: number;
  /** The span over which events start. */
  spanMs: number;
  /** Share of events deliberately given a twin: same county and subtype, another town, at the same time. */
  twinShare: number;
  /**
   * Two events of one county and subtype closer than this are crowded: their posts must name the
   * town. At least the correlation window plus REPOST_TAIL.
   */
  crowdingMs: number;
}


const MINUTE = 60_000;
/** How long after an event's last original post its reposts may still appear. */
export const REPOST_TAIL = 90 * MINUTE;

/**
 * What the classifier reads out of a post: places it names, the subtype word, the key terms.
 * A town it knows is in its gazetteer with its county, so naming 碧口镇 puts 文县 in `counties`.
 */
export function classifyLikeTheClassifier(title: string | undefined, text: string): Classification {
  const full = `${title ?? ''} ${text}`;
  const towns = Object.values(GAZETTEER).flat().filter((t) => full.includes(t));
  const counties = COUNTIES.filter((c) => full.includes(c) || GAZETTEER[c]!.some((t) => towns.includes(t)));
  const hit = SUBTYPE_WORDS.find(({ word }) => full.includes(word));
  return {
    version: 'stream-fixture',
    emergency: {
      flagged: hit !== undefined,
      category: hit?.entry.category ?? null,
      subtype: hit?.entry.subtype ?? null,
      level: null,
      score: hit ? 0.8 : 0,
      evidence: hit ? [{ rule: 'keyword', terms: [hit.word], weight: 0.8 }] : [],
    },
    rumor: { flagged: false, score: 0, evidence: [], claimId: null },
    departments: counties.map((c) => `${c}人民政府`),
    counties,
    sentiment: 'negative',
    keyTerms: [...counties, ...towns, ...(hit ? [hit.word] : [])],
  };
}

export function generateStream(options: StreamOptions): { events: StreamEvent[]; posts: StreamPost[] } {
  const random = seededRandom(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const base = Date.parse('2025-07-01T00:00:00+08:00');

  // Events. A twin shares county and subtype with the event before it, in another town, at
  // nearly the same time: the case where "same place" is not enough.
  const events: StreamEvent[] = [];
  while (events.length < options.events) {
    const previous = events[events.length - 1];
    const twin = previous !== undefined && random() < options.twinShare;
    const county = twin ? previous.county : pick(COUNTIES);
    const subtype = twin ? previous.subtype : pick(SUBTYPES).subtype;
    const town = pick(GAZETTEER[county]!.filter((t) => !twin || t !== previous.town));
    const startMs = twin ? previous.startMs + int(0, 40) * MINUTE : base + Math.floor(random() * options.spanMs);
    const endMs = startMs + int(40, 240) * MINUTE;
    // Same town and subtype at the same time is the same event in any duty officer's eyes.
    const clash = events.some((e) => e.town === town && e.subtype === subtype && startMs < e.endMs + options.crowdingMs && e.startMs < endMs + options.crowdingMs);
    if (clash) continue;
    events.push({ id: events.length, county, town, subtype, startMs, endMs, crowded: false });
  }
  for (const e of events) {
    e.crowded = events.some((o) => o !== e && o.county === e.county && o.subtype === e.subtype && e.startMs < o.endMs + options.crowdingMs && o.startMs < e.endMs + options.crowdingMs);
  }

  // Posts per event: between 5 and ~3× the mean, summing exactly to the total.
  const mean = options.posts / options.events;
  const sizes = events.map(() => int(5, Math.round(mean * 2 - 5)));
  let excess = sizes.reduce((a, b) => a + b, 0) - options.posts;
  while (excess !== 0) {
    const i = int(0, sizes.length - 1);
    if (excess > 0 && sizes[i]! > 5) { sizes[i]!--; excess--; }
    if (excess < 0) { sizes[i]!++; excess++; }
  }

  const posts: StreamPost[] = [];
  const usedBodies = new Set<string>();
  let serial = 0;
  events.forEach((event, index) => {
    const entry = SUBTYPES.find((s) => s.subtype === event.subtype)!;
    const own: Array<{ title?: string; text: string; at: number }> = [];
    const size = sizes[index]!;
    for (let k = 0; k < size; k++) {
      // The first post comes from the scene and names the town; later ones are original with
      // probability 0.4, else a repost of an earlier one.
      const original = k === 0 || own.length === 0 || random() < 0.4;
      let title: string | undefined;
      let text: string;
      let at: number;
      if (original) {
        at = k === 0 ? event.startMs : int(event.startMs, event.endMs);
        ({ title, text } = originalPost(event, entry.words, k === 0, random, pick, int, usedBodies));
      } else {
        // Reposts of reposts drift later and later; past REPOST_TAIL after the event's end a
        // repost copies an original instead, so an event's posts stay within known bounds.
        let source = pick(own);
        at = source.at + int(3, 90) * MINUTE;
        if (at > event.endMs + REPOST_TAIL) {
          source = pick(own.filter((p) => p.at <= event.endMs));
          at = source.at + int(3, 90) * MINUTE;
        }
        text = repost(source.text, pick, int);
      }
      own.push({ ...(title !== undefined && { title }), text, at });
      const id = `post-${String(serial++).padStart(5, '0')}`;
      const publishedAt = new Date(at).toISOString();
      posts.push({
        post: {
          id,
          sourceId: title ? 'rss-news' : 'weibo',
          sourceKind: title ? 'rss' : 'json',
          author: `用户${int(1, 3000)}`,
          ...(title !== undefined && { title }),
          text,
          publishedAt,
          collectedAt: publishedAt,
          engagement: { reposts: int(0, 50), comments: int(0, 50), likes: int(0, 200) },
        },
        classification: classifyLikeTheClassifier(title, text),
        eventId: event.id,
        // Collection lags publication by up to two minutes, so arrival order differs from publication order.
        arrivesAt: at + int(0, 2 * MINUTE),
      });
    }
  });
  posts.sort((a, b) => a.arrivesAt - b.arrivesAt || (a.post.id < b.post.id ? -1 : 1));
  return { events, posts };
}

const DETAILS = [
  '道路中断', '多名群众被困', '消防正在救援', '暂无人员伤亡消息', '已有{n}人受伤', '{n}户房屋受损', '救援人员已赶赴现场',
  '现场浓烟滚滚', '交通管制中', '{n}辆车被困', '部分村民已转移', '电力通信中断', '伤者已送医救治', '{n}人失联',
];
const TIMES = ['今天凌晨', '今天上午', '今天下午', '今晚', '{h}时许', '刚刚'];
const ROADS = ['G212线', 'S205线', 'G75兰海高速', 'S219线', '县道X{n}', '乡道Y{n}'];

function fill(template: string, int: (min: number, max: number) => number): string {
  return template.replace('{n}', String(int(2, 40))).replace('{h}', String(int(1, 23)));
}

function originalPost(
  event: StreamEvent,
  words: readonly string[],
  first: boolean,
  random: () => number,
  pick: <T>(list: readonly T[]) => T,
  int: (min: number, max: number) => number,
  usedBodies: Set<string>,
): { title?: string; text: string } {
  const word = pick(words);
  const detail = () => fill(pick(DETAILS), int);
  const when = fill(pick(TIMES), int);
  // Naming the county alone is fine unless another event of the same county and subtype is near:
  // then only the town tells them apart, and a duty officer would have to guess too.
  const placeStyle = first || event.crowded ? pick(['county+town', 'town']) : pick(['county+town', 'county+town', 'town', 'county']);
  const place = placeStyle === 'county+town' ? `${event.county}${event.town}` : placeStyle === 'town' ? event.town : event.county;

  if (!first && random() < 0.2) {
    // A news item: the place is in the title only; the body is what reposts copy. The body
    // carries its own details so two events' bodies are never the same text.
    let body: string;
    do {
      body = `${when}，${fill(pick(ROADS), int)}附近发生${word}，${detail()}，${detail()}。记者${int(10, 99)}分钟后抵达，${detail()}。`;
    } while (usedBodies.has(body));
    usedBodies.add(body);
    return { title: `${place}发生${word}`, text: body };
  }
  const templates = [
    () => `${place}${when}发生${word}，${detail()}，${detail()}`,
    () => `【${word}】${place}${detail()}，${detail()}！`,
    () => `突发！${place}附近${word}，${detail()}。`,
    () => `${when}${place}一处${word}现场，${detail()}，大家注意安全`,
    () => `#${place}${word}# ${detail()}，${detail()}，求扩散`,
    () => `听说${place}那边${word}了，${detail()}，有没有知道情况的`,
  ];
  return { text: pick(templates)() };
}

function repost(text: string, pick: <T>(list: readonly T[]) => T, int: (min: number, max: number) => number): string {
  const comment = pick(['', '太吓人了', '希望大家平安', '注意安全', '祈福', '转给家人看看', '怎么又出事了']);
  return pick([
    () => `转发：${text}`,
    () => `【转】${text}`,
    () => `转发微博 ${text}`,
    () => `扩散！${text}`,
    () => `${comment}//@用户${int(1, 3000)}:${text}`,
    () => `${comment}，转发 ${text}`,
  ])();
}
