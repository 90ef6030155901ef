import { isIP } from 'node:net';
import { addressAllowed, guardedLookup, type SsrfAllowList } from '@huiying/access';
import { Agent, buildConnector } from 'undici';

/**
 * The connection pool every poller fetches through. The SSRF check on a source's URL holds only
 * when it runs; this connector checks again at every connect — each redirect hop, each new
 * connection — so a host that later resolves to 127.0.0.1 (DNS rebinding), or a redirect to
 * a private IP literal (which never goes through DNS), is refused.
 */
export function guardedDispatcher(allow: SsrfAllowList, options: { connectTimeoutMs?: number } = {}): Agent {
  const connect = buildConnector({ lookup: guardedLookup(allow), timeout: options.connectTimeoutMs ?? 10_000 } as buildConnector.BuildOptions);
  return new Agent({
    connect: (opts, callback) => {
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0) {
        const verdict = addressAllowed(host, allow);
        if (!verdict.ok) {
          const refused: NodeJS.ErrnoException = new Error(`ssrf guard: ${verdict.reason}`);
          refused.code = 'EHUIYING_SSRF';
          callback(refused, null);
          return;
        }
      }
      connect(opts, callback);
    },
  });
}
