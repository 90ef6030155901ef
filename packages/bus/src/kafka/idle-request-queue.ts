/**
 * Stops kafkajs 2.2.4's request queues from spinning on a 1 ms timer when nothing waits.
 *
 * Every broker connection has a request queue whose `scheduleCheckPendingRequests` re-arms a
 * `setTimeout` after each check, even with no request pending and no throttle: the delay is then
 * `throttledUntil - now`, negative, so Node fires it after 1 ms, forever (kafkajs issues #1556,
 * #1604, #1704; unreleased fix in PR #1667). Each producer and consumer connection of each
 * service process woke ~1,000 times a second for nothing: ~30 ms of CPU per second per idle
 * process, more under load, on a box whose two cores the whole pipeline shares.
 *
 * Here a check is scheduled only when a request waits in the queue. Nothing else needs one:
 * `push` schedules right after it queues a request, and a fulfilled or timed-out request checks
 * the queue at once. With a request waiting, kafkajs' own logic runs unchanged (the throttle's
 * end, or its 10 ms re-check). Patched only for the pinned version whose code this was read from.
 */
import { loadKafkajs, pinnedKafkajsPatch } from './pinned-kafkajs';

const REQUEST_QUEUE_MODULE = 'kafkajs/src/network/requestQueue';

interface RequestQueueLike {
  pending: unknown[];
  scheduleCheckPendingRequests(): void;
}

/** True when kafkajs' request queues now schedule checks only for waiting requests. */
export const installIdleRequestQueue = pinnedKafkajsPatch(() => {
  const RequestQueue = loadKafkajs(REQUEST_QUEUE_MODULE) as { prototype: RequestQueueLike };
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (this.pending.length === 0) return;
    original.call(this);
  };
  return true;
});
