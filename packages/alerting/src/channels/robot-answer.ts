import { httpStatusIsRetryable, type OutcomeDetail } from './delivery-outcome';
import { excerpt, type HttpAttempt } from './http-attempt';

export interface CodeRules {
  platform: string;
  /** Field of the JSON answer holding the platform's code (`errcode`, `code`). */
  codeField: string;
  /** Field with the platform's message, for the log. */
  messageField: string;
  /** Codes that mean "try again", with how long to wait when the platform says so. */
  retryable: ReadonlyMap<number, number | undefined>;
}

/**
 * The robots answer HTTP 200 with a code in the body; the code decides, not the status. An
 * answer without the code is a proxy or an outage page: retry it when the status says so.
 */
export function interpretRobotAnswer(answer: HttpAttempt, rules: CodeRules): OutcomeDetail {
  if (answer.kind === 'failed') return { status: 'retryable', reason: answer.reason };
  const json = answer.json as Record<string, unknown> | undefined;
  const code = json && typeof json === 'object' ? json[rules.codeField] : undefined;
  if (typeof code !== 'number') {
    const reason = `${rules.platform}: HTTP ${answer.status} without ${rules.codeField}: ${excerpt(answer.text)}`;
    return answer.status < 300 || httpStatusIsRetryable(answer.status)
      ? { status: 'retryable', reason, httpStatus: answer.status }
      : { status: 'permanent', reason, httpStatus: answer.status };
  }
  if (code === 0) return { status: 'delivered', httpStatus: answer.status, providerCode: 0 };
  const message = String(json?.[rules.messageField] ?? '');
  const reason = `${rules.platform} ${rules.codeField} ${code}: ${excerpt(message)}`;
  if (rules.retryable.has(code)) {
    const retryAfterMs = rules.retryable.get(code);
    return {
      status: 'retryable',
      reason,
      httpStatus: answer.status,
      providerCode: code,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    };
  }
  return { status: 'permanent', reason, httpStatus: answer.status, providerCode: code };
}
