/**
 * The console's one door to the API. A route the API does not have yet answers 404 with
 * fastify's default body (or 501): the page shows "not available" instead of failing.
 */
export type ApiResult<T> =
  | { ok: true; data: T }
  | { ok: false; status: number; error: string; unavailable: boolean };

export const NOT_SIGNED_IN = new Set([401]);

let onUnauthorised: () => void = () => {};
export function whenUnauthorised(fn: () => void): void {
  onUnauthorised = fn;
}

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        // A custom header forces a CORS preflight from any other origin: defence in depth on top
        // of the SameSite=Strict session cookie.
        "x-requested-with": "huiying-console",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    return { ok: false, status: 0, error: "network", unavailable: true };
  }
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  if (res.ok) return { ok: true, data: json as T };
  const error =
    typeof (json as { error?: unknown })?.error === "string"
      ? (json as { error: string }).error
      : `http_${res.status}`;
  if (
    res.status === 401 &&
    path !== "/api/auth/login" &&
    path !== "/api/auth/me"
  )
    onUnauthorised();
  // fastify's own 404 for an unknown route says `Not Found`; domain 404s carry a snake_case code.
  const unavailable =
    res.status === 501 ||
    (res.status === 404 && (error === "Not Found" || error === "http_404"));
  return { ok: false, status: res.status, error, unavailable };
}

export const api = {
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => call<T>("POST", path, body),
};

/** What a person reads when an action fails, by the API's error code. */
export function describeError(r: {
  status: number;
  error: string;
  unavailable: boolean;
}): string {
  if (r.unavailable) return "该功能的接口尚未开放（暂不可用）";
  if (r.status === 403) return "无权执行此操作";
  if (r.status === 409) return "状态已变化，请刷新后重试";
  if (r.status === 429) return "操作过于频繁，请稍后再试";
  return `操作失败（${r.error}）`;
}
