import { createRequire } from 'node:module';

/** The kafkajs version whose internals our patches were read from; any other version runs unpatched. */
export const PINNED_KAFKAJS = '2.2.4';

/** `require` for kafkajs' internal modules: the same module instances the bus's kafkajs uses. */
export const loadKafkajs = createRequire(__filename);

/**
 * Wraps a patch of kafkajs internals into an idempotent installer: it runs once per process, only
 * on the pinned version, and an error while patching means "not applied" (kafkajs' own code stays).
 * `patch` returns false when it cannot apply (for example, the module it replaces is in use already).
 */
export function pinnedKafkajsPatch(patch: () => boolean): () => boolean {
  let installed: boolean | undefined;
  return () => {
    if (installed !== undefined) return installed;
    installed = false;
    try {
      const { version } = loadKafkajs('kafkajs/package.json') as { version: string };
      installed = version === PINNED_KAFKAJS && patch();
    } catch {
      installed = false;
    }
    return installed;
  };
}
