import type { Db } from '@huiying/store';
import { createLogger, type Logger } from '@huiying/telemetry';
import { DEFAULT_ESCALATION_POLICY, DEFAULT_SIGN_OFF_TIMING, type EscalationPolicy, type SignOffTiming } from './sign-off/sign-off-chain';
import type { WebhookTarget } from './publishing/webhook-delivery';
import { loadTemplateCatalog, type TemplateCatalog } from './templates/template-catalog';
import type { StatementsSetup } from './workflow-context';

export interface StatementsSetupOptions {
  db: Db;
  relay: { flush(): Promise<number> };
  /** Default: the Chinese templates in packages/statements/templates. */
  templates?: TemplateCatalog;
  /** Default 市政府新闻办 (the news office: the last step of the default chain). */
  newsOffice?: string;
  timing?: SignOffTiming;
  escalation?: EscalationPolicy;
  /** Default Asia/Shanghai. */
  timeZone?: string;
  /** Default none. */
  webhooks?: readonly WebhookTarget[];
  logger?: Logger;
}

export function createStatementsSetup(options: StatementsSetupOptions): StatementsSetup {
  return {
    db: options.db,
    relay: options.relay,
    templates: options.templates ?? loadTemplateCatalog(),
    newsOffice: options.newsOffice ?? '市政府新闻办',
    timing: options.timing ?? DEFAULT_SIGN_OFF_TIMING,
    escalation: options.escalation ?? DEFAULT_ESCALATION_POLICY,
    timeZone: options.timeZone ?? 'Asia/Shanghai',
    webhooks: options.webhooks ?? [],
    logger: options.logger ?? createLogger('statements', 'info'),
  };
}
