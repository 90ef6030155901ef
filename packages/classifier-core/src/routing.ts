import fs from 'node:fs';
import path from 'node:path';
import { createTermScanner, type ScanResult, type TermEntry } from './term-matcher';

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

export type Place = { kind: 'county' | 'town' | 'river' | 'city'; county: string | null; name: string };

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
  for (const c of region.counties) {
    for (const n of [c.name, ...c.aliases]) placeEntries.push({ pattern: n, value: { kind: 'county', county: c.name, name: n } });
    for (const t of c.towns) placeEntries.push({ pattern: t, value: { kind: 'town', county: c.name, name: t } });
  }
  for (const r of region.rivers) placeEntries.push({ pattern: r, value: { kind: 'river', county: null, name: r } });
  for (const n of [region.city, ...region.cityAliases]) placeEntries.push({ pattern: n, value: { kind: 'city', county: null, name: n } });
  const lists: RoutingLists = { topics: table.flatMap((row) => row.terms.map((t) => ({ pattern: t, value: row }))), places: placeEntries };
  const ownScanner = createTermScanner(lists);

  function fromMatches(matches: ScanResult<RoutingLists>): RoutingFindings {
      const byTopic = new Map<RoutingTopic, string[]>();
      for (const m of matches.topics) {
        const terms = byTopic.get(m.value) ?? [];
        if (!terms.includes(m.term)) terms.push(m.term);
        byTopic.set(m.value, terms);
      }
      const counties: string[] = [];
      const placeNames: string[] = [];
      for (const m of matches.places) {
        if (m.value.county !== null && !counties.includes(m.value.county)) counties.push(m.value.county);
        if (!placeNames.includes(m.value.name)) placeNames.push(m.value.name);
      }
      const departments: string[] = [];
      for (const row of byTopic.keys()) for (const d of row.departments) if (!departments.includes(d)) departments.push(d);
      // "Anything in one county": that county's government shares the lead.
      for (const c of counties) departments.push(`${c}${region.countyGovernmentSuffix}`);
      return {
        departments,
        topics: [...byTopic].map(([row, terms]) => ({ topic: row.topic, terms })),
        counties,
        places: placeNames,
      };
  }

  return { lists, fromMatches, route: (text) => fromMatches(ownScanner.scan(text)) };
}
