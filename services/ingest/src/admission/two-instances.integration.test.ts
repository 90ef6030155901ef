import { eventually, isolatedDatabase, isolatedTopics, isolationName } from '../../../embedded/src/testing/real-services';
import type { SourceDefinitionInput } from '../sources/source-definition';
import { sourceRepository } from '../sources/source-repository';
import { collectPosts, dropRedisKeys, push, startIngestInstance } from '../testing/ingest-harness';

jest.setTimeout(120_000);

const SECRET = 'two-instances-secret-0123';
const sources: SourceDefinitionInput[] = [
  { id: 'weibo-a', name: '账号甲', kind: 'webhook', secrets: [SECRET] },
  { id: 'weibo-b', name: '账号乙', kind: 'webhook', secrets: [SECRET] },
];

/** Twenty different stories, each told by both accounts. */
const stories = [
  '武都区汉王镇今晨突降暴雨，多条村道被洪水冲毁，镇政府组织群众连夜转移。',
  '成县一煤矿井下发生透水事故，据现场人员称仍有矿工被困，救援队已下井。',
  '网传文县碧口水库大坝出现裂缝，水务部门回应称系正常伸缩缝，请勿恐慌。',
  '宕昌县哈达铺景区游客爆满，停车场排队两公里，有网友吐槽管理混乱。',
  '康县阳坝镇茶农反映今年收购价格过低，希望有关部门出面协调茶企。',
  '西和县乞巧节开幕式门票被炒到五百元一张，网友质疑存在内部倒卖。',
  '礼县城区自来水连续三天发黄有异味，居民担心饮水安全，要求公布检测结果。',
  '徽县某小学食堂二十余名学生午饭后出现呕吐腹泻，已送县医院观察治疗。',
  '两当县一在建桥梁施工现场吊车倾覆，砸中路过的面包车，伤亡情况不明。',
  '陇南市中心医院挂号系统瘫痪一上午，门诊大厅挤满等候的患者和家属。',
  '有人在朋友圈称某网贷平台承诺年化百分之三十收益，已有多名退休职工投资。',
  '白龙江沿岸多处出现死鱼，附近村民怀疑上游工厂偷排污水，环保局已取样。',
  '嘉陵江徽县段一艘采砂船夜间违规作业，噪音扰民持续一个多月无人处理。',
  '文县中寨镇发生四点二级地震，震感明显，暂无房屋倒塌和人员伤亡报告。',
  '棚户区改造项目拆迁补偿标准迟迟未公布，上百户居民聚集在街道办门口。',
  '今年秋季学期城区小学划片招生规则调整，不少家长担心孩子无法就近入学。',
  '市场监管部门查获一批假冒品牌化肥，涉及三个乡镇的农资门店，正在追溯源头。',
  '低保名单公示中出现村干部亲属，村民实名举报要求重新核查。',
  '营改增后部分个体户反映开票流程繁琐，税务窗口排队时间长达半天。',
  '泥石流冲毁国道二一二线宕昌段，过往车辆滞留，交警发布绕行提示。',
];

describe('two ingest instances on one Redis', () => {
  const name = isolationName('ingest_two');
  const redisPrefix = `${name}:`;
  let database: Awaited<ReturnType<typeof isolatedDatabase>>;
  let topics: Awaited<ReturnType<typeof isolatedTopics>>;
  let bus: ReturnType<Awaited<ReturnType<typeof isolatedTopics>>['bus']>;
  let output: Awaited<ReturnType<typeof collectPosts>>;
  let one: Awaited<ReturnType<typeof startIngestInstance>>;
  let two: Awaited<ReturnType<typeof startIngestInstance>>;

  beforeAll(async () => {
    database = await isolatedDatabase(name);
    topics = await isolatedTopics(`${name}.`);
    bus = topics.bus('ingest-test');
    output = await collectPosts(bus, `${name}-reader`);
    one = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
    two = await startIngestInstance({ bus, db: database.db, redisPrefix, sources });
  });

  afterAll(async () => {
    await output?.stop();
    await one?.stop();
    await two?.stop();
    await bus?.close();
    await topics?.drop();
    await database?.drop();
    await dropRedisKeys(redisPrefix);
  });

  it('emits each story once when its copies arrive at both at the same moment', async () => {
    const results = await Promise.all(
      stories.flatMap((text, i) => [
        push(one.url, { nativeId: `a${i}`, text, publishedAt: '2026-07-01 09:00' }, { source: 'weibo-a', secret: SECRET }),
        push(two.url, { nativeId: `b${i}`, text: `转发微博 ${text}`, publishedAt: '2026-07-01 09:01' }, { source: 'weibo-b', secret: SECRET }),
        // The same item again, by URL, through the other instance: an exact duplicate across sources.
        push(two.url, { nativeId: `c${i}`, url: `https://weibo.com/a/${i}?from=timeline`, text, publishedAt: '2026-07-01 09:02' }, { source: 'weibo-b', secret: SECRET }),
        push(one.url, { nativeId: `d${i}`, url: `https://weibo.com/a/${i}`, text: `${text}！`, publishedAt: '2026-07-01 09:03' }, { source: 'weibo-a', secret: SECRET }),
      ]),
    );
    expect(results.every((r) => r.status === 202)).toBe(true);
    const accepted = results.flatMap((r) => r.json.accepted as string[]);
    const duplicates = results.flatMap((r) => (r.json.duplicates ?? []) as { of: string }[]);
    expect(accepted).toHaveLength(20);
    expect(duplicates).toHaveLength(60);

    const emitted = await eventually(async () => (output.posts.length >= 20 ? output.posts : undefined), 'twenty posts');
    await new Promise((r) => setTimeout(r, 1500));
    expect(output.posts).toHaveLength(20);
    // One post per story: every story's text appears exactly once.
    const storyOf = (text: string) => stories.findIndex((s) => text.includes(s));
    expect(emitted.map((p) => storyOf(p.text)).sort((a, b) => a - b)).toEqual(stories.map((_, i) => i));

    // Both instances count into one hash; one flush each moves it to PostgreSQL once.
    await Promise.all([one.service.reposts.flush(), two.service.reposts.flush()]);
    const counts = await Promise.all(accepted.map((id) => sourceRepository.repostCount(database.db, id)));
    expect(counts).toEqual(accepted.map(() => 3));
  });
});
