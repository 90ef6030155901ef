import { z } from 'zod';
import {
  LOCAL_DATE_PATTERN,
  LOCAL_DATE_TIME_PATTERN,
  LOCAL_TIME_PATTERN,
  parseShanghaiDateTime,
  startOfShanghaiDay,
} from '../time/shanghai-time';

/** The channel kinds a person can be reached on. */
export const ChannelKind = z.enum(['webhook', 'wecom', 'dingtalk', 'feishu', 'email', 'sms']);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** Mainland mobile number, as robots and SMS gateways take it (no `+86`). */
const Mobile = z.string().regex(/^1\d{10}$/, 'mainland mobile number, 11 digits starting with 1');

const atLeastOne = (fields: string[]) => (value: Record<string, unknown>) =>
  fields.some((f) => value[f] !== undefined);

/**
 * Where a person is reached, per channel kind. The robot kinds post into a group, so an entry
 * there means "this person is in that group and is @-mentioned by this id".
 */
export const PersonContacts = z
  .object({
    wecom: z
      .object({ userId: z.string().min(1).optional(), mobile: Mobile.optional() })
      .refine(atLeastOne(['userId', 'mobile']), 'wecom contact needs userId or mobile')
      .optional(),
    dingtalk: z
      .object({ userId: z.string().min(1).optional(), mobile: Mobile.optional() })
      .refine(atLeastOne(['userId', 'mobile']), 'dingtalk contact needs userId or mobile')
      .optional(),
    /** Feishu open_id (`ou_…`), union_id or user_id, whatever the group robot mentions by. */
    feishu: z.object({ userId: z.string().min(1) }).optional(),
    email: z.email().optional(),
    sms: Mobile.optional(),
    /** The id the receiving system knows this person by. */
    webhook: z.object({ recipientId: z.string().min(1) }).optional(),
  })
  .strict();
export type PersonContacts = z.infer<typeof PersonContacts>;

export const Person = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** 职务, e.g. 新闻办主任; shown in escalation messages. */
  title: z.string().optional(),
  contacts: PersonContacts,
});
export type Person = z.infer<typeof Person>;

/** A duty role a shift fills, e.g. `duty_officer` (值班员) or `duty_leader` (带班领导). */
export const DutyRole = z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case role name');
export type DutyRole = z.infer<typeof DutyRole>;

const LocalDate = z.string().regex(LOCAL_DATE_PATTERN, 'YYYY-MM-DD');
const LocalTime = z.string().regex(LOCAL_TIME_PATTERN, 'HH:mm');
const LocalDateTime = z.string().regex(LOCAL_DATE_TIME_PATTERN, 'YYYY-MM-DDTHH:mm (Asia/Shanghai)');

/**
 * A shift that repeats on the given weekdays. `start`/`end` are Shanghai wall-clock; an `end` at
 * or before `start` runs past midnight into the next day (`08:30`→`08:30` is the 24-hour duty),
 * and the weekday is the day the shift starts. `validFrom`/`validUntil` bound the start date.
 */
export const WeeklyShift = z.object({
  kind: z.literal('weekly'),
  label: z.string().optional(),
  role: DutyRole,
  personIds: z.array(z.string().min(1)).min(1),
  /** ISO weekdays: 1 = Monday … 7 = Sunday. */
  days: z.array(z.number().int().min(1).max(7)).min(1),
  start: LocalTime,
  end: LocalTime,
  validFrom: LocalDate.optional(),
  validUntil: LocalDate.optional(),
});
export type WeeklyShift = z.infer<typeof WeeklyShift>;

/**
 * A shift on a given stretch of days: holidays, swaps, special duty. Where a dated shift of a role
 * covers an instant it replaces the weekly rota of that role for that instant, so a holiday plan
 * can be laid over the normal week without editing it.
 */
export const DatedShift = z.object({
  kind: z.literal('dated'),
  label: z.string().optional(),
  role: DutyRole,
  personIds: z.array(z.string().min(1)).min(1),
  start: LocalDateTime,
  end: LocalDateTime,
});
export type DatedShift = z.infer<typeof DatedShift>;

export const Shift = z.discriminatedUnion('kind', [WeeklyShift, DatedShift]);
export type Shift = z.infer<typeof Shift>;

/** The duty roster file (值班表). */
export const RosterFile = z
  .object({
    version: z.literal(1),
    /** Stated so nobody reads the times as UTC; the only zone supported. */
    timeZone: z.literal('Asia/Shanghai'),
    people: z.array(Person),
    shifts: z.array(Shift),
  })
  .superRefine((roster, ctx) => {
    const ids = new Set<string>();
    roster.people.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['people', i, 'id'], message: `duplicate person id ${p.id}` });
      ids.add(p.id);
    });
    roster.shifts.forEach((s, i) => {
      s.personIds.forEach((id, j) => {
        if (!ids.has(id))
          ctx.addIssue({ code: 'custom', path: ['shifts', i, 'personIds', j], message: `unknown person ${id}` });
      });
      if (s.kind === 'dated') {
        const valid = safe(() => parseShanghaiDateTime(s.end) > parseShanghaiDateTime(s.start));
        if (valid === undefined)
          ctx.addIssue({ code: 'custom', path: ['shifts', i], message: 'no such date' });
        else if (!valid) ctx.addIssue({ code: 'custom', path: ['shifts', i, 'end'], message: 'end must be after start' });
      } else {
        for (const key of ['validFrom', 'validUntil'] as const) {
          const d = s[key];
          if (d !== undefined && safe(() => startOfShanghaiDay(d)) === undefined)
            ctx.addIssue({ code: 'custom', path: ['shifts', i, key], message: `no such date ${d}` });
        }
        if (s.validFrom && s.validUntil && s.validFrom > s.validUntil)
          ctx.addIssue({ code: 'custom', path: ['shifts', i, 'validUntil'], message: 'validUntil before validFrom' });
        if (s.start === '24:00')
          ctx.addIssue({ code: 'custom', path: ['shifts', i, 'start'], message: 'a shift cannot start at 24:00' });
      }
    });
  });
export type RosterFile = z.infer<typeof RosterFile>;

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Parse a roster file's text (JSON); throws a zod error naming the path of each problem. */
export function parseRosterFile(json: string): RosterFile {
  return RosterFile.parse(JSON.parse(json));
}
