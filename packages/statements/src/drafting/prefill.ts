import type { Classification, IncidentSnapshot } from '@huiying/contracts';
import type { FieldValues, StatementKind } from '../templates/template-catalog';

/** A post the draft answers, as the posts table holds it. */
export interface AnsweredPost {
  id: string;
  url: string | null;
  text: string;
  publishedAt: string;
  classification: Classification | null;
}

/** Figures stated in the posts, read from the classifier's `stated_consequences` evidence. */
export interface StatedFigures {
  deaths: number;
  injured: number;
  seriouslyInjured: number;
  missing: number;
  lossYuan: number;
}

const CATEGORY_LABELS: Record<string, string> = {
  natural_disaster: '自然灾害',
  accident_disaster: '事故灾难',
  public_health: '公共卫生事件',
  social_security: '社会安全事件',
};
const LEVEL_LABELS: Record<string, string> = { I: '特别重大（I级）', II: '重大（II级）', III: '较大（III级）', IV: '一般（IV级）' };

const CONSEQUENCES_NOTE = /deaths (\d+), injured (\d+) \(serious (\d+)\), missing (\d+), loss ¥(\d+)/;

/**
 * The largest figure of each kind any post states. Posts repeat and update one another; the
 * largest is what the public has read, so the statement must address it (and correct it if wrong).
 */
export function statedFigures(posts: readonly AnsweredPost[]): StatedFigures | null {
  let figures = null as StatedFigures | null;
  for (const post of posts) {
    for (const evidence of post.classification?.emergency.evidence ?? []) {
      if (evidence.rule !== 'stated_consequences' || !evidence.note) continue;
      const m = CONSEQUENCES_NOTE.exec(evidence.note);
      if (!m) continue;
      const [deaths, injured, seriouslyInjured, missing, lossYuan] = m.slice(1).map(Number) as [number, number, number, number, number];
      figures = {
        deaths: Math.max(figures?.deaths ?? 0, deaths),
        injured: Math.max(figures?.injured ?? 0, injured),
        seriouslyInjured: Math.max(figures?.seriouslyInjured ?? 0, seriouslyInjured),
        missing: Math.max(figures?.missing ?? 0, missing),
        lossYuan: Math.max(figures?.lossYuan ?? 0, lossYuan),
      };
    }
  }
  return figures;
}

/** `网传死亡12人、失联3人`: what the posts say, marked as unverified, for the author to confirm or correct. */
export function describeFigures(figures: StatedFigures | null): string {
  if (!figures) return '';
  const parts: string[] = [];
  if (figures.deaths > 0) parts.push(`死亡${figures.deaths}人`);
  if (figures.seriouslyInjured > 0) parts.push(`重伤${figures.seriouslyInjured}人`);
  if (figures.injured > figures.seriouslyInjured) parts.push(`受伤${figures.injured}人`);
  if (figures.missing > 0) parts.push(`失联${figures.missing}人`);
  if (figures.lossYuan > 0) parts.push(`直接经济损失约${Math.round(figures.lossYuan / 10_000)}万元`);
  return parts.length > 0 ? `（网传${parts.join('、')}，待核实）` : '';
}

/** `2025年7月3日14时20分` in the city's time zone. */
export function formatChineseTime(iso: string, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}年${Number(parts.month)}月${Number(parts.day)}日${Number(parts.hour)}时${parts.minute}分`;
}

export interface PrefillInput {
  kind: StatementKind;
  incident: IncidentSnapshot & { keyTerms: string[] };
  posts: readonly AnsweredPost[];
  department: string;
  /** The claim a rebuttal answers, when the author named it. */
  claimText?: string | null;
  now: Date;
  timeZone: string;
}

/** The words the posts use for the event (`山体滑坡`), from the classifier's event-term evidence. */
export function eventWords(posts: readonly AnsweredPost[], subtype: string | null): string | null {
  const counts = new Map<string, number>();
  for (const post of posts) {
    for (const evidence of post.classification?.emergency.evidence ?? []) {
      if (!evidence.rule.startsWith('event_term:') || (subtype && evidence.rule !== `event_term:${subtype}`)) continue;
      const term = evidence.terms[0];
      if (term) counts.set(term, (counts.get(term) ?? 0) + 1);
    }
  }
  let best: string | null = null;
  for (const [term, n] of counts) if (best === null || n > counts.get(best)! || (n === counts.get(best) && term.length > best.length)) best = term;
  return best;
}

/** The first post flagged as a rumour (else the first post): the claim as it circulates. */
function circulatingClaim(posts: readonly AnsweredPost[]): string {
  const flagged = posts.find((p) => p.classification?.rumor.flagged) ?? posts[0];
  return flagged ? flagged.text.slice(0, 120) : '';
}

/**
 * The facts the incident already holds, as template fields: place, time, category, level, the
 * figures the posts state and the posts answered. The spokesperson edits from there.
 */
export function prefillFields(input: PrefillInput): FieldValues {
  const { incident, posts } = input;
  const place = incident.counties.join('、');
  const category = incident.category ? (CATEGORY_LABELS[incident.category] ?? incident.category) : '';
  const level = incident.level ? (LEVEL_LABELS[incident.level] ?? incident.level) : '';
  const time = formatChineseTime(incident.t0, input.timeZone);
  const issuedAt = formatChineseTime(input.now.toISOString(), input.timeZone);
  const figures = describeFigures(statedFigures(posts));
  // Without a classified event term the title stands in; it usually starts with the county the
  // template already puts first ("关于{{place}}{{event}}"), which would read 关于文县文县….
  const county = incident.counties.find((c) => incident.title.startsWith(c));
  const event = eventWords(posts, incident.subtype) ?? (county ? incident.title.slice(county.length) : incident.title);
  switch (input.kind) {
    case 'situation_report':
      return { time, place, event, category, level, casualties: figures, issuer: input.department, issuedAt };
    case 'rebuttal':
      return { claim: input.claimText ?? circulatingClaim(posts), issuer: input.department, issuedAt,
        legalReminder: '请广大网民不信谣、不传谣。编造、故意传播虚假信息的，公安机关将依法追究法律责任。' };
    case 'press_notice':
      return { topic: incident.title, issuer: input.department };
    case 'policy_interpretation':
      return { issuer: input.department, issuedAt };
  }
}
