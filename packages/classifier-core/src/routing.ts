import fs from 'node:fs';
import path from 'node:path';
import { createTermScanner, literalOf, type ScanResult, type TermEntry } from './term-matcher';

/** One row of the routing table: a topic, its lead departments and the words that name it. */
export interface RoutingTopic {
  topic: string;
  departments: string[];
  terms: string[];
}

export interface County {
  name: string;
  aliases: string[];
  towns: string[];
}

/** The region the office serves; the default is Longnan, another city is a different file. */
export interface Region {
  city: string;
  cityAliases: string[];
  /** Appended to a county's name for its government as a department (文县 → 文县政府). */
  countyGovernmentSuffix: string;
  counties: County[];
  rivers: string[];
  province?: string;
  provinceAliases?: string[];
}

const DATA_DIR = path.join(__dirname, '..', 'data');

export function loadDefaultRoutingTable(): RoutingTopic[] {
  return (JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'routing.default.json'), 'utf8')) as { topics: RoutingTopic[] }).topics;
}

export function loadDefaultRegion(): Region {
  return JSON.parse(fs.readFileSync(path.join(DATA_DIR, 'places.longnan.json'), 'utf8')) as Region;
}

export type Place = { kind: 'county' | 'town' | 'river' | 'city' | 'province'; county: string | null; name: string };

/**
 * China's provinces, regions and municipalities, by the names posts use. Town names repeat
 * across the country (桥头镇, 石门镇): a post that names another province is taken to be about a
 * town there, and its town names resolve to no county of ours.
 */
export const PROVINCES = [
  '北京(?!时间)', '天津', '上海', '重庆', '河北', '山西', '内蒙古', '辽宁', '吉林', '黑龙江', '江苏', '浙江', '安徽', '福建', '江西', '山东',
  '河南', '湖北', '湖南', '广东', '广西', '海南', '四川', '贵州', '云南', '西藏', '陕西', '甘肃', '青海', '宁夏', '新疆', '台湾', '香港', '澳门',
];

/** Read only: the topics of a post naming none (most posts), without a map built per post. */
const NO_TOPICS: Map<RoutingTopic, string[]> = new Map();

export interface RoutingFindings {
  departments: string[];
  topics: Array<{ topic: string; terms: string[] }>;
  counties: string[];
  places: string[];
}

export type RoutingLists = { topics: ReadonlyArray<TermEntry<RoutingTopic>>; places: ReadonlyArray<TermEntry<Place>> };

export interface Router {
  readonly lists: RoutingLists;
  fromMatches(matches: ScanResult<RoutingLists>): RoutingFindings;
  route(text: string): RoutingFindings;
}

export function createRouter(table: RoutingTopic[], region: Region): Router {
  const placeEntries: Array<TermEntry<Place>> = [];
  // A town name two counties share (兴化乡) names no county: guessing one would route the post wrong.
  const countiesOfTown = new Map<string, Set<string>>();
  for (const c of region.counties) for (const t of c.towns) countiesOfTown.set(t, (countiesOfTown.get(t) ?? new Set()).add(c.name));
  for (const c of region.counties) {
    for (const n of [c.name, ...c.aliases]) placeEntries.push({ pattern: n, value: { kind: 'county', county: c.name, name: n } });
  }
  for (const [t, counties] of countiesOfTown) {
    placeEntries.push({ pattern: t, value: { kind: 'town', county: counties.size === 1 ? [...counties][0]! : null, name: t } });
  }
  for (const r of region.rivers) placeEntries.push({ pattern: r, value: { kind: 'river', county: null, name: r } });
  for (const n of [region.city, ...region.cityAliases]) placeEntries.push({ pattern: n, value: { kind: 'city', county: null, name: n } });
  // Province names go in the same list: a name of ours (陇南, 西和) wins where it is longer.
  const ownProvince = new Set([region.province, ...(region.provinceAliases ?? [])].filter((p): p is string => p !== undefined));
  for (const n of PROVINCES) {
    if (![...ownProvince].some((own) => own.startsWith(literalOf(n)))) placeEntries.push({ pattern: n, value: { kind: 'province', county: null, name: n } });
  }
  const lists: RoutingLists = { topics: table.flatMap((row) => row.terms.map((t) => ({ pattern: t, value: row }))), places: placeEntries };
  const ownScanner = createTermScanner(lists);

  function fromMatches(matches: ScanResult<RoutingLists>): RoutingFindings {
      const byTopic: Map<RoutingTopic, string[]> = matches.topics.length > 0 ? new Map() : NO_TOPICS;
      for (const m of matches.topics) {
        const terms = byTopic.get(m.value) ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        byTopic.set(m.value, terms);
      }
      const counties: string[] = [];
      const placeNames: string[] = [];
      let elsewhere = false;
      for (const m of matches.places) if (m.value.kind === 'province') elsewhere = true;
      for (const m of matches.places) {
        if (m.value.kind === 'province') continue;
        if (m.value.kind === 'town' && elsewhere) continue;
        if (m.value.county !== null && !counties.includes(m.value.county)) counties.push(m.value.county);
        if (!placeNames.includes(m.value.name)) placeNames.push(m.value.name);
      }
      const departments: string[] = [];
      for (const row of byTopic.keys()) for (const d of row.departments) if (!departments.includes(d)) departments.push(d);
      // "Anything in one county": that county's government shares the lead.
      for (const c of counties) departments.push(`${c}${region.countyGovernmentSuffix}`);
      return {
        departments,
        topics: byTopic.size > 0 ? [...byTopic].map(([row, terms]) => ({ topic: row.topic, terms })) : [],
        counties,
        places: placeNames,
      };
  }

  return { lists, fromMatches, route: (text) => fromMatches(ownScanner.scan(text)) };
}
