/**
 * Posts as a monitoring vendor pushes them during a busy day in Longnan: a few hundred distinct
 * events (a town of a county and a kind of disaster), each opened by a post from the scene and
 * followed by updates and reposts, interleaved with everyday posts that flag nothing.
 *
 * Towns and the words for each subtype follow incident-core's correlation-stream fixture (the
 * same gazetteer the classifier knows). A "major" event's opening post and some of its updates
 * state a death toll of ten or more, which the classifier reads as level II: the incident's
 * clocks start provisionally and the notifier records an alert. Other events stay at level
 * III/IV: an incident, no clock. Deterministic for a seed.
 */

export const GAZETTEER: Record<string, readonly string[]> = {
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
import { seededRandom } from '@huiying/seeded-random';

const SUBTYPES: ReadonlyArray<{ subtype: string; words: readonly string[] }> = [
  { subtype: 'landslide', words: ['山体滑坡', '滑坡'] },
  { subtype: 'debris_flow', words: ['泥石流'] },
  { subtype: 'flood', words: ['山洪', '洪水'] },
  { subtype: 'fire', words: ['火灾', '大火'] },
  { subtype: 'road', words: ['交通事故', '车祸'] },
  { subtype: 'collapse', words: ['坍塌', '垮塌'] },
  { subtype: 'mine', words: ['透水事故', '矿难'] },
  { subtype: 'explosion', words: ['爆炸', '爆燃'] },
  { subtype: 'food_poisoning', words: ['食物中毒', '集体中毒'] },
];

export interface BenchEvent {
  index: number;
  county: string;
  town: string;
  subtype: string;
  word: string;
  /** States ten or more deaths: level II, clocks, an alert. */
  major: boolean;
  deaths: number;
}

export interface BenchPost {
  nativeId: string;
  author: string;
  text: string;
  publishedAt: string;
  engagement: { reposts: number; comments: number; likes: number };
}

export interface TimelineItem {
  post: Omit<BenchPost, 'publishedAt'>;
  /** The event it is about; undefined for an everyday post. */
  event?: number;
}

/** Every (town, subtype) pair once, shuffled: one pair is one event, so no two events correlate. */
export function eventSlots(seed: number): Array<{ county: string; town: string; subtype: (typeof SUBTYPES)[number] }> {
  const random = seededRandom(seed);
  const slots = Object.entries(GAZETTEER).flatMap(([county, towns]) =>
    towns.flatMap((town) => SUBTYPES.map((subtype) => ({ county, town, subtype }))),
  );
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return slots;
}

/** How many distinct events the gazetteer allows (town × subtype). */
export const EVENT_CAPACITY = Object.values(GAZETTEER).reduce((n, towns) => n + towns.length, 0) * SUBTYPES.length;

const DETAILS = [
  '道路中断',
  '多名群众被困',
  '消防正在救援',
  '救援人员已赶赴现场',
  '已有{n}人受伤',
  '{n}户房屋受损',
  '交通管制中',
  '{n}辆车被困',
  '部分村民已转移',
  '电力通信中断',
  '伤者已送医救治',
  '{n}人失联',
];
const TIMES = ['今天凌晨', '今天上午', '今天下午', '今晚', '{h}时许', '刚刚'];
const NOISE = [
  '{place}的核桃今年丰收，收购价每斤{n}元，{tail}',
  '{place}新修的文化广场今晚有广场舞比赛，{tail}',
  '{county}教育局发布秋季学期开学安排，{tail}',
  '{place}花椒基地迎来采摘季，{n}名工人上岗，{tail}',
  '今天{county}天气晴，最高气温{n}度，{tail}',
  '{place}油橄榄产业带动{n}户增收，{tail}',
  '{county}举办第{n}届乡村旅游节，{tail}',
  '{place}农家乐周末客满，{tail}',
  '{county}政务服务中心新增{n}项一网通办事项，{tail}',
  '{place}的茶叶上市了，明前茶每斤{n}元，{tail}',
];
const TAIL = '游客络绎不绝大家都很开心欢迎来玩味道很好价格实惠交通方便风景优美空气清新值得推荐期待下次再来老乡热情';
const COMMENTS = ['', '太吓人了', '希望大家平安', '注意安全', '祈福', '转给家人看看'];

export interface TimelineOptions {
  seed: number;
  /** Posts in the timeline, in sending order. */
  posts: number;
  /** Events opened over the timeline; each takes the next unused (town, subtype) slot. */
  events: number;
  /** Where in the slot list this timeline's events start (so phases never share an event). */
  firstSlot: number;
  /** Share of posts about an event (the rest are everyday posts). */
  flaggedShare: number;
  /** Share of events that are major (level II: clocks and alerts). */
  majorShare: number;
  /** Prefix of native ids, unique per timeline. */
  idPrefix: string;
}

/**
 * The posts in sending order. Event openings are spread evenly over the first 80 % of the
 * timeline, so alerts are due throughout; later posts about an event are updates (original
 * wording with fresh details) or reposts of them.
 */
export function buildTimeline(options: TimelineOptions): { items: TimelineItem[]; events: BenchEvent[] } {
  if (options.firstSlot + options.events > EVENT_CAPACITY) {
    throw new Error(
      `corpus: ${options.firstSlot + options.events} events asked, the gazetteer has ${EVENT_CAPACITY} distinct (town, subtype) pairs`,
    );
  }
  const random = seededRandom(options.seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const slots = eventSlots(20170090).slice(options.firstSlot, options.firstSlot + options.events);
  const events: BenchEvent[] = slots.map((slot, index) => ({
    index,
    county: slot.county,
    town: slot.town,
    subtype: slot.subtype.subtype,
    word: slot.subtype.words[0]!,
    major: random() < options.majorShare,
    deaths: int(10, 25),
  }));
  const openAt = events.map((_, i) => Math.floor((i / Math.max(1, events.length)) * options.posts * 0.8));
  const own: string[][] = events.map(() => []);
  const items: TimelineItem[] = [];
  let nextEvent = 0;
  const detail = () => pick(DETAILS).replace('{n}', String(int(2, 40)));
  const when = () => pick(TIMES).replace('{h}', String(int(1, 23)));
  for (let i = 0; i < options.posts; i++) {
    const id = `${options.idPrefix}${i}`;
    const author = `用户${int(1, 5000)}`;
    const engagement = { reposts: int(0, 50), comments: int(0, 50), likes: int(0, 200) };
    let text: string;
    let about: number | undefined;
    if (nextEvent < events.length && i >= openAt[nextEvent]!) {
      const e = events[nextEvent]!;
      about = nextEvent++;
      const toll = e.major ? `已造成${e.deaths}人死亡，` : '';
      text = `${e.county}${e.town}${when()}发生${e.word}，${toll}${detail()}，${detail()}，现场编号${id}`;
    } else if (nextEvent > 0 && random() < options.flaggedShare) {
      // Recent events are talked about most: draw from the last dozen opened, sometimes older.
      about =
        random() < 0.8 ? Math.max(0, nextEvent - 1 - Math.floor(random() * 12)) : Math.floor(random() * nextEvent);
      const e = events[about]!;
      const copies = own[about]!;
      if (copies.length > 0 && random() < 0.25) {
        text = `${pick(COMMENTS)}//@用户${int(1, 5000)}:${pick(copies)} 第${i}条`;
      } else {
        const toll = e.major && random() < 0.3 ? `，死亡人数已升至${e.deaths}人` : '';
        text = pick([
          () => `${e.county}${e.town}${e.word}最新：${detail()}${toll}，${detail()}（${id}）`,
          () => `【${e.word}】${e.county}${e.town}${detail()}，${detail()}${toll}！编号${id}`,
          () => `突发！${e.county}${e.town}附近${e.word}，${detail()}${toll}。${id}`,
          () => `${when()}${e.county}${e.town}一处${e.word}现场，${detail()}，大家注意安全 ${id}`,
        ])();
      }
      if (copies.length < 20) copies.push(text);
    } else {
      const county = pick(Object.keys(GAZETTEER));
      const place = `${county}${pick(GAZETTEER[county]!)}`;
      const start = int(0, TAIL.length - 12);
      text = pick(NOISE)
        .replace('{place}', place)
        .replace('{county}', county)
        .replace('{n}', String(int(2, 99)))
        .replace('{tail}', `${TAIL.slice(start, start + int(6, 12))}（${id}）`);
    }
    items.push({ post: { nativeId: id, author, text, engagement }, ...(about !== undefined && { event: about }) });
  }
  return { items, events };
}
