import type { Classification, Post } from '@huiying/contracts';
import { listWatchSchemes, watchSchemesRevision, type RoutedMatch } from '@huiying/incident-core';
import type { Queryable } from '@huiying/outbox';
import { compileWatchSchemes, type CompiledWatchSchemes } from '@huiying/watch-schemes';

export interface SchemeRouterOptions {
  db: Queryable;
  /** The revision is checked at most this often (one cheap query); 0 checks before every batch. */
  refreshMs: number;
  now?: () => number;
}

/**
 * The watch schemes compiled into one matcher, recompiled when any scheme was saved. Each
 * instance keeps its own copy: a stale matcher only delays routing by `refreshMs`, it cannot
 * put a post in the wrong incident, so unlike incidents the schemes are safe to cache.
 */
export function createSchemeRouter(options: SchemeRouterOptions) {
  const clock = options.now ?? Date.now;
  let matcher: CompiledWatchSchemes = compileWatchSchemes([]);
  let revision: string | undefined;
  let checkedAt = -Infinity;
  return {
    /** Reloads the schemes if they changed; call before a batch. */
    async refresh(force = false): Promise<void> {
      if (!force && clock() - checkedAt < options.refreshMs) return;
      checkedAt = clock();
      const current = await watchSchemesRevision(options.db);
      if (current === revision) return;
      matcher = compileWatchSchemes(await listWatchSchemes(options.db, { enabledOnly: true }));
      revision = current;
    },
    route(post: Post, _classification: Classification): RoutedMatch[] {
      if (matcher.size === 0) return [];
      return matcher.match({ text: post.text, ...(post.title !== undefined && { title: post.title }) });
    },
    get size() {
      return matcher.size;
    },
  };
}
