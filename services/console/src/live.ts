/**
 * Live updates: server-sent events from /api/events, and polling when the stream cannot be had
 * (proxy buffering, an API without the route, a dropped connection). Either way the page gets
 * one `refresh` call per change, bundled so a burst of events repaints once.
 */
export interface LiveFeed {
  stop(): void;
}

export interface LiveOptions {
  onChange: () => void;
  onMode: (mode: "live" | "polling") => void;
  /** Polling period when the stream is down. Default 10 s. */
  pollMs?: number;
}

export function startLiveFeed(options: LiveOptions): LiveFeed {
  const pollMs = options.pollMs ?? 10_000;
  let pending: number | undefined;
  let poller: number | undefined;
  let source: EventSource | undefined;
  let stopped = false;

  const changed = () => {
    if (pending !== undefined) return;
    pending = window.setTimeout(() => {
      pending = undefined;
      if (!stopped) options.onChange();
    }, 250);
  };
  const poll = () => {
    if (poller !== undefined) return;
    options.onMode("polling");
    poller = window.setInterval(changed, pollMs);
  };

  if (typeof EventSource === "function") {
    source = new EventSource("/api/events", { withCredentials: true });
    source.onopen = () => {
      if (poller !== undefined) window.clearInterval(poller);
      poller = undefined;
      options.onMode("live");
      // Whatever happened while the stream was down.
      changed();
    };
    for (const kind of ["alert", "clock", "incident", "draft", "message"])
      source.addEventListener(kind, changed);
    // EventSource reconnects by itself; poll meanwhile so nothing is missed.
    source.onerror = poll;
  } else {
    poll();
  }

  return {
    stop() {
      stopped = true;
      source?.close();
      if (poller !== undefined) window.clearInterval(poller);
      if (pending !== undefined) window.clearTimeout(pending);
    },
  };
}

/** Repaints every `[data-due]` countdown each second. */
export function startCountdowns(paint: () => void): () => void {
  const id = window.setInterval(paint, 1000);
  return () => window.clearInterval(id);
}
