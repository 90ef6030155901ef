import type { Refusal } from '@huiying/access';

/** Every error the statements workflow reports, with the HTTP status the routes answer with. */
export const STATEMENT_ERRORS = {
  unauthenticated: 401,
  forbidden: 403,
  draft_not_found: 404,
  version_not_found: 404,
  statement_not_found: 404,
  incident_not_found: 404,
  step_not_found: 404,
  claim_not_found: 404,
  unknown_template: 400,
  bad_request: 400,
  comment_required: 400,
  /** The draft is not in a state that allows the action (e.g. editing while in review). */
  wrong_state: 409,
} as const;
export type StatementErrorCode = keyof typeof STATEMENT_ERRORS;

export class StatementError extends Error {
  constructor(
    readonly code: StatementErrorCode,
    message: string,
    /** With `forbidden`: the policy's reason (`own_draft`, `not_current_step` …). */
    readonly reason?: Refusal | string,
  ) {
    super(message);
    this.name = 'StatementError';
  }
  get status(): number {
    return STATEMENT_ERRORS[this.code];
  }
}
