import { AsyncLocalStorage } from 'node:async_hooks';
import { OutsideTransactionError } from './db';

/**
 * Remembers, per Db, whether the current async context is inside one of its transaction callbacks,
 * so a stray `db.query` there fails at once instead of deadlocking PGlite (or silently running
 * outside the transaction on the server).
 */
export interface TransactionScope {
  assertOutside(): void;
  run<R>(fn: (isOpen: () => boolean) => Promise<R>): Promise<R>;
}

export function createTransactionScope(): TransactionScope {
  const storage = new AsyncLocalStorage<{ open: boolean }>();
  return {
    assertOutside() {
      // A promise started inside the callback may outlive it; `open` is false by then.
      if (storage.getStore()?.open) throw new OutsideTransactionError();
    },
    async run(fn) {
      const token = { open: true };
      try {
        return await storage.run(token, () => fn(() => token.open));
      } finally {
        token.open = false;
      }
    },
  };
}

export function finishedTransactionError(): Error {
  return new Error('store: a transaction handle was used after its transaction() callback settled');
}
