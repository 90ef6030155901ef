/** The raw result of one HTTP POST, before a platform's rules interpret it. */
export type HttpAttempt =
  | { kind: 'answered'; status: number; text: string; json: unknown }
  | { kind: 'failed'; reason: string; timedOut: boolean };

export interface HttpPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * POST once with a deadline covering connect, send and reading the whole answer. Reasons name
 * the error, never the URL: robot URLs carry their secret.
 */
export async function postOnce(request: HttpPost): Promise<HttpAttempt> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
    const text = await response.text();
    return { kind: 'answered', status: response.status, text, json: parseJson(text) };
  } catch (error) {
    if (signal.aborted) return { kind: 'failed', reason: `timed out after ${request.timeoutMs} ms`, timedOut: true };
    return { kind: 'failed', reason: describeNetworkError(error), timedOut: false };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return `network error ${cause.code}`;
  if (cause?.message) return `network error: ${cause.message}`;
  return `network error: ${error instanceof Error ? error.message : String(error)}`;
}

/** A short, safe excerpt of an unexpected answer for the log. */
export function excerpt(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
