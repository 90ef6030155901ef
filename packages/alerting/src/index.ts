// Time
export { formatShanghai, parseShanghaiDateTime, shanghaiParts, startOfShanghaiDay } from './time/shanghai-time';

// Duty roster (值班表)
export {
  ChannelKind,
  DatedShift,
  DutyRole,
  Person,
  PersonContacts,
  RosterFile,
  Shift,
  WeeklyShift,
  parseRosterFile,
} from './roster/roster-file';
export { dutyRoles, findCoverageGaps, onDutyAt } from './roster/on-duty';
export type { CoverageGap, OnDuty, ShiftSpan } from './roster/on-duty';

// Escalation chains
export {
  ChainStep,
  ChainTarget,
  DEFAULT_ESCALATION_CHAIN,
  EscalationChain,
  EscalationChainsFile,
  EscalationSnapshot,
  allChains,
  chainForDepartments,
} from './escalation/chain-file';
export type { ChosenChain } from './escalation/chain-file';
export { snapshotEscalation } from './escalation/snapshot';
export type { SnapshotInput } from './escalation/snapshot';
export { EscalationPolicy, dueNotifications } from './escalation/due-notifications';
export type { DueInput, DueNotification, DueResult } from './escalation/due-notifications';

// Dedupe and bundling
export { EMPTY_BUNDLE_STATE, closeDueWindows, nextWindowClose, observeAlert } from './bundling/alert-bundle';
export type { BundleDecision, BundleState, BundleSummary, BundleWindow, ObserveResult, ObservedAlert } from './bundling/alert-bundle';

// Readiness
export { checkReadiness } from './readiness/readiness-check';
export type { ReadinessInput, ReadinessProblem } from './readiness/readiness-check';

// Drills and routing
export { channelsForAlert, hasContactFor, planDeliveries } from './drill/channel-routing';
export type { DeliveryPlan, PlannedDelivery } from './drill/channel-routing';

// Channels
export {
  ChannelAudience,
  ChannelConfig,
  ChannelsFile,
  DingtalkChannelConfig,
  EmailChannelConfig,
  FeishuChannelConfig,
  SmsChannelConfig,
  WebhookChannelConfig,
  WecomChannelConfig,
  missingSecrets,
} from './channels/channel-config';
export { DRILL_MARK, composeAlertText, renderWithin } from './channels/alert-text';
export type { AlertNotice, AlertText } from './channels/alert-text';
export type { DeliveryOutcome } from './channels/delivery-outcome';
export type { ChannelSender, Delivery, SenderOptions } from './channels/sender';
export { createSender } from './channels/create-sender';
export { CHANNEL_RATE_LIMITS, RateLimit, rateLimitsOf, sendDelayMs } from './channels/rate-limits';
export { WECOM_TEXT_MAX_BYTES, buildWecomMessage, wecomSender } from './channels/wecom-robot';
export { DINGTALK_TEXT_MAX_BYTES, buildDingtalkMessage, dingtalkSender, dingtalkSign, dingtalkUrl } from './channels/dingtalk-robot';
export { FEISHU_TEXT_MAX_BYTES, buildFeishuMessage, feishuSender, feishuSign } from './channels/feishu-robot';
export {
  WEBHOOK_HEADERS,
  buildWebhookPayload,
  signWebhook,
  verifyWebhookSignature,
  webhookSender,
} from './channels/signed-webhook';
export type { WebhookPayload } from './channels/signed-webhook';
export { buildAlertMail, emailSender } from './channels/smtp-mail';
export { buildSmsRequest, fillTemplate, smsSender, smsVariables } from './channels/sms-gateway';
export { truncateUtf8, utf8Bytes } from './channels/utf8-limit';
