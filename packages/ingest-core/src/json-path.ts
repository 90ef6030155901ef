/**
 * A small JSONPath subset for vendor field mappings: `$`, `.name`, `['name']`, `[3]`, `[*]`,
 * `.*`. A path without `$` is relative to the item (`user.screen_name`). Pure and without
 * `eval`, unlike full JSONPath engines whose script expressions have been an injection risk.
 */
export type PathSegment = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'wildcard' };

const cache = new Map<string, PathSegment[]>();

export class JsonPathSyntaxError extends Error {
  override readonly name = 'JsonPathSyntaxError';
}

export function compileJsonPath(path: string): PathSegment[] {
  const cached = cache.get(path);
  if (cached) return cached;
  const segments: PathSegment[] = [];
  let i = path.startsWith('$') ? 1 : 0;
  const relative = i === 0;
  let expectName = relative;
  while (i < path.length) {
    const c = path[i];
    if (c === '.' || expectName) {
      if (c === '.') i++;
      expectName = false;
      if (path[i] === '*') {
        segments.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      const m = /^[^.[\]]+/.exec(path.slice(i));
      if (!m) throw new JsonPathSyntaxError(`expected a name at ${i} in "${path}"`);
      segments.push({ kind: 'key', key: m[0] });
      i += m[0].length;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new JsonPathSyntaxError(`unclosed [ in "${path}"`);
      const inner = path.slice(i + 1, close).trim();
      if (inner === '*') segments.push({ kind: 'wildcard' });
      else if (/^\d+$/.test(inner)) segments.push({ kind: 'index', index: Number(inner) });
      else if (/^(['"]).*\1$/.test(inner)) segments.push({ kind: 'key', key: inner.slice(1, -1) });
      else throw new JsonPathSyntaxError(`unsupported selector [${inner}] in "${path}"`);
      i = close + 1;
    } else {
      throw new JsonPathSyntaxError(`unexpected "${c}" at ${i} in "${path}"`);
    }
  }
  cache.set(path, segments);
  return segments;
}

/** Every value the path selects (several when it has wildcards). */
export function queryJson(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const seg of compileJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (seg.kind === 'key') {
        if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, seg.key))
          next.push((v as Record<string, unknown>)[seg.key]);
      } else if (seg.kind === 'index') {
        if (Array.isArray(v) && seg.index < v.length) next.push(v[seg.index]);
      } else {
        next.push(...(Array.isArray(v) ? v : Object.values(v)));
      }
    }
    current = next;
  }
  return current;
}

/** The first value the path selects, or undefined. */
export function getJson(value: unknown, path: string): unknown {
  return queryJson(value, path)[0];
}
