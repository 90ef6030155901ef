/**
 * Canned data for the console's browser tests, in the shapes API.md documents. Times are relative
 * to the moment the fixture starts so countdowns show real numbers.
 */
import type {
  Alert,
  Draft,
  IncidentDetail,
  IncidentSummary,
  SlaReport,
} from "../types";

export const HOSTILE = {
  title: '<img src=x onerror="window.__xss=1">武都区滑坡',
  text: '<script>window.__xss=2</script>网传某村<img src=x onerror="window.__xss=3">被埋',
  author: '<b onmouseover="window.__xss=4">网友</b>',
  url: "javascript:window.__xss=5",
};

export function fixtureState(now: number) {
  const iso = (offsetMin: number) =>
    new Date(now + offsetMin * 60_000).toISOString();
  const incident = (
    over: Partial<IncidentSummary> & { id: string; title: string },
  ): IncidentSummary => ({
    kind: "emergency",
    status: "detected",
    category: "natural_disaster",
    subtype: "滑坡",
    level: "II",
    levelConfirmed: false,
    t0: iso(-60),
    departments: ["市安监局"],
    counties: ["武都区"],
    postCount: 3,
    drill: false,
    openedAt: iso(-60),
    updatedAt: iso(-5),
    nextDueAt: iso(240),
    ...over,
  });
  const incidents: IncidentSummary[] = [
    incident({
      id: "inc-landslide",
      title: "武都区两水镇山体滑坡",
      nextDueAt: iso(240),
    }),
    incident({
      id: "inc-mine",
      title: "徽县某煤矿透水事故",
      category: "accident_disaster",
      subtype: "透水",
      level: "I",
      counties: ["徽县"],
      nextDueAt: iso(-10),
      status: "confirmed",
      levelConfirmed: true,
    }),
    incident({
      id: "inc-rumor",
      kind: "rumor",
      title: "网传文县自来水污染",
      category: null,
      subtype: null,
      level: null,
      departments: [],
      counties: ["文县"],
      nextDueAt: null,
    }),
    incident({
      id: "inc-hostile",
      title: HOSTILE.title,
      departments: ["市安监局"],
      nextDueAt: iso(30),
    }),
    incident({
      id: "inc-other-dept",
      title: "市财政局专项债舆情",
      kind: "opinion",
      category: null,
      departments: ["市财政局"],
      counties: [],
      nextDueAt: iso(2000),
    }),
  ];
  const alerts: Alert[] = [
    {
      id: "al-1",
      incidentId: "inc-mine",
      incidentTitle: "徽县某煤矿透水事故",
      clockId: "clk-mine-statement",
      severity: "critical",
      title: "权威信息发布已超时",
      body: "徽县某煤矿透水事故：5小时权威信息发布时限已过，请立即处置",
      drill: false,
      count: 2,
      createdAt: iso(-10),
      lastAt: iso(-2),
      acknowledgedAt: null,
      acknowledgedBy: null,
    },
    {
      id: "al-2",
      incidentId: "inc-landslide",
      incidentTitle: "武都区两水镇山体滑坡",
      clockId: "clk-ls-statement",
      severity: "warning",
      title: "新的突发事件",
      body: "武都区两水镇山体滑坡：系统研判为Ⅱ级，请确认",
      drill: false,
      count: 1,
      createdAt: iso(-55),
      lastAt: iso(-55),
      acknowledgedAt: null,
      acknowledgedBy: null,
    },
  ];
  const evidence = {
    version: "rules-2026.05",
    emergency: {
      flagged: true,
      category: "natural_disaster",
      subtype: "滑坡",
      level: "II" as const,
      score: 0.86,
      evidence: [
        { rule: "event-term", terms: ["山体滑坡", "被埋"], weight: 0.5 },
        {
          rule: "casualty-count",
          terms: ["十二人"],
          weight: 0.3,
          note: "12人失联，按较大以上研判",
        },
      ],
    },
    rumor: { flagged: false, score: 0.1, evidence: [] },
    departments: ["市安监局"],
    counties: ["武都区"],
    sentiment: "negative",
    keyTerms: ["滑坡", "两水镇"],
  };
  const detail = (
    i: IncidentSummary,
    posts: IncidentDetail["posts"],
  ): IncidentDetail => ({
    incident: { ...i, levelConfidence: 0.72, importantOpinion: false },
    posts,
    clocks: [
      {
        id: `clk-${i.id}-statement`,
        stage: "statement",
        status: "running",
        t0: i.t0,
        dueAt: iso(240),
        startedAt: i.t0,
        metAt: null,
        breachedAt: null,
        cancelledAt: null,
        cancelReason: null,
        drill: false,
      },
      {
        id: `clk-${i.id}-press`,
        stage: "press_conference",
        status: "running",
        t0: i.t0,
        dueAt: iso(1380),
        startedAt: i.t0,
        metAt: null,
        breachedAt: null,
        cancelledAt: null,
        cancelReason: null,
        drill: false,
      },
    ],
    clockHistory: [
      {
        clockId: `clk-${i.id}-statement`,
        at: i.t0,
        kind: "started",
        actor: "system:sla-timer",
        reason: null,
      },
    ],
    alerts: alerts.filter((a) => a.incidentId === i.id),
    history: [
      { at: i.t0, actor: "system:incidents", action: "opened", reason: null },
    ],
  });
  const details = new Map<string, IncidentDetail>();
  for (const i of incidents) {
    details.set(
      i.id,
      detail(i, [
        {
          id: `${i.id}-p1`,
          sourceId: "weibo-sample",
          url: "https://weibo.example.cn/1",
          author: "陇南发布观察",
          title: null,
          text: "两水镇发生山体滑坡，据说有十二人被埋，救援正在进行。",
          publishedAt: iso(-60),
          engagement: { reposts: 120 },
          classification: evidence,
        },
      ]),
    );
  }
  // The hostile incident: every text field a post can carry, set to markup.
  details.get("inc-hostile")!.posts.push({
    id: "p-hostile",
    sourceId: "forum",
    url: HOSTILE.url,
    author: HOSTILE.author,
    title: HOSTILE.title,
    text: HOSTILE.text,
    publishedAt: iso(-30),
    engagement: null,
    classification: {
      ...evidence,
      emergency: {
        ...evidence.emergency,
        evidence: [
          {
            rule: "<i>rule</i>",
            terms: ['<svg onload="window.__xss=6">'],
            weight: 0.4,
          },
        ],
      },
    },
  });
  const drafts: Draft[] = [
    {
      id: "dr-1",
      incidentId: "inc-landslide",
      incidentTitle: "武都区两水镇山体滑坡",
      kind: "situation_report",
      title: "关于武都区两水镇山体滑坡的情况通报",
      department: "市安监局",
      authorId: "u-spokesperson",
      authorName: "李发言",
      version: 3,
      status: "in_review",
      deadline: { stage: "statement", dueAt: iso(240) },
      signOff: [
        {
          step: 1,
          label: "起草",
          department: "市安监局",
          approverName: "李发言",
          status: "approved",
          dueAt: null,
          at: iso(-20),
          comment: null,
          canAct: false,
        },
        {
          step: 2,
          label: "单位负责人审签",
          department: "市安监局",
          approverName: "张审签",
          status: "pending",
          dueAt: iso(120),
          at: null,
          comment: null,
          canAct: false,
        },
        {
          step: 3,
          label: "新闻办审核",
          department: "市政府新闻办",
          approverName: null,
          status: "waiting",
          dueAt: iso(200),
          at: null,
          comment: null,
          canAct: false,
        },
      ],
      updatedAt: iso(-20),
    },
    {
      id: "dr-2",
      incidentId: "inc-rumor",
      incidentTitle: "网传文县自来水污染",
      kind: "rebuttal",
      title: "关于“文县自来水污染”不实信息的辟谣",
      department: "市安监局",
      authorId: "u-spokesperson",
      authorName: "李发言",
      version: 1,
      status: "drafting",
      deadline: null,
      signOff: [],
      updatedAt: iso(-3),
    },
  ];
  const figures = (
    department: string,
    started: number,
    met: number,
    breached: number,
  ) => ({
    department,
    incidents: started,
    clocks: { started, met, breached, running: 0, cancelled: 0 },
    onTimeRate: met + breached === 0 ? null : met / (met + breached),
    firstStatement: { count: met, medianMinutes: 185, p90Minutes: 290 },
    pressConference: { count: 2, medianMinutes: 960, p90Minutes: 1400 },
  });
  const report: SlaReport = {
    month: "2026-04",
    department: null,
    generatedAt: iso(0),
    departments: [
      figures("市安监局", 8, 7, 1),
      figures("市卫生计生委", 5, 5, 0),
      figures("武都区政府", 4, 2, 2),
    ],
    totals: figures("全部", 17, 14, 3),
    breaches: [
      {
        clockId: "clk-b1",
        incidentId: "inc-mine",
        incidentTitle: "徽县某煤矿透水事故",
        department: "市安监局",
        stage: "statement",
        t0: "2026-04-03T01:00:00Z",
        dueAt: "2026-04-03T06:00:00Z",
        breachedAt: "2026-04-03T06:00:00Z",
        metAt: "2026-04-03T07:10:00Z",
        overdueMinutes: 70,
        timeline: [
          {
            at: "2026-04-03T01:00:00Z",
            kind: "事件发现",
            actor: "system",
            note: null,
          },
          {
            at: "2026-04-03T01:20:00Z",
            kind: "值班员确认",
            actor: "王值班",
            note: "Ⅱ级",
          },
          {
            at: "2026-04-03T06:00:00Z",
            kind: "超时",
            actor: null,
            note: "升级至分管领导",
          },
          {
            at: "2026-04-03T07:10:00Z",
            kind: "发布通报",
            actor: "李发言",
            note: null,
          },
        ],
      },
    ],
    drills: { incidents: 2, clocks: { started: 4, met: 3, breached: 1 } },
    paused: [
      {
        clockId: "clk-p1",
        incidentId: "inc-x",
        incidentTitle: "礼县道路塌方",
        department: "武都区政府",
        stage: "response",
        pausedMinutes: 240,
        reason: "道路中断，核实中",
        approvedBy: "赵领导",
      },
    ],
  };
  return { incidents, alerts, details, drafts, report };
}
