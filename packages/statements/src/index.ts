export { GENESIS_HASH, chainEntry, entryHash, verifyChain } from './audit/audit-chain';
export type { AuditEntry, AuditFacts, ChainBreak, ChainVerdict } from './audit/audit-chain';
export { appendAudit, auditOf, verifyAuditTrail } from './audit/audit-trail';
export type { RequestOrigin } from './audit/audit-trail';
export { claimRecords, claimVolumeOfIncident, linkAllRepeatingPosts, linkRepeatingPosts, listClaims, repeatsClaim } from './claims/claim-registry';
export type { ClaimRecord, ClaimVolume, RegistryClaim } from './claims/claim-registry';
export {
  compareVersions, createDraft, discardDraft, draftVersion, draftVersions, listDrafts, readDraft, saveVersion,
} from './drafting/drafts';
export type { DraftEdit, DraftView, NewDraft } from './drafting/drafts';
export { deskDraftOf, loadDeskDraft, loadDeskDrafts } from './drafting/drafting-desk';
export type { DeskDraft, DeskParts, DeskSignOffStep } from './drafting/drafting-desk';
export type { DraftRecord, DraftStatus, DraftVersion, PublishedStatement, SignOffStep } from './drafting/draft-store';
export { describeFigures, eventWords, formatChineseTime, prefillFields, statedFigures } from './drafting/prefill';
export type { AnsweredPost, StatedFigures } from './drafting/prefill';
export { chineseWords, diffVersions } from './drafting/version-diff';
export type { DiffGranularity, DiffSegment, VersionDiff } from './drafting/version-diff';
export { feedRoutes } from './http/feed.routes';
export { statementRoutes } from './http/statements.routes';
export type { StatementRoutesOptions } from './http/statements.routes';
export { JsonFeedSchema, buildJsonFeed, buildRss, feedPaths } from './publishing/public-feed';
export type { FeedStatement } from './publishing/public-feed';
export { publishDraft, recordPressConference } from './publishing/publish-workflow';
export type { PressConferenceInput, PressConferenceRecord, PublishResult } from './publishing/publish-workflow';
export {
  DEFAULT_RETRY_POLICY, SignatureHeaders, WebhookTarget, createWebhookDeliverer, nextAttemptDelay, signDelivery,
} from './publishing/webhook-delivery';
export type { DeliveryReport, RetryPolicy, WebhookDeliverer } from './publishing/webhook-delivery';
export {
  ChainConfig, ChainStepConfig, DEFAULT_ESCALATION_POLICY, DEFAULT_SIGN_OFF_TIMING, DRAFTING_DEPARTMENT,
  currentStep, decideRound, defaultChain, escalationDue, planSignOff,
} from './sign-off/sign-off-chain';
export type { EscalationPolicy, PlannedStep, SignOffTiming, StepDecision, StepStatus } from './sign-off/sign-off-chain';
export { decideStep, escalateOverdueSteps, submitDraft } from './sign-off/sign-off-workflow';
export { STATEMENT_ERRORS, StatementError } from './statement-errors';
export type { StatementErrorCode } from './statement-errors';
export { createStatementsSetup } from './statements-setup';
export type { StatementsSetupOptions } from './statements-setup';
export { createStatementsWorker } from './statements-worker';
export type { StatementsWorkerOptions } from './statements-worker';
export { DEFAULT_TEMPLATES_DIR, StatementKind, buildTemplate, loadTemplateCatalog } from './templates/template-catalog';
export type { FieldValues, StatementTemplate, TemplateCatalog } from './templates/template-catalog';
export type { ActionContext, StatementsSetup } from './workflow-context';
