import { toIso } from '@huiying/incident-core';
import type { Queryable } from '@huiying/store';
import type { StepStatus } from '../sign-off/sign-off-chain';
import type { FieldValues, StatementKind } from '../templates/template-catalog';

export type DraftStatus = 'editing' | 'in_review' | 'approved' | 'published' | 'discarded';

export interface DraftRecord {
  id: string;
  kind: StatementKind;
  department: string;
  incidentId: string | null;
  authorId: string;
  status: DraftStatus;
  currentVersion: number;
  reviewRound: number;
  claimId: string | null;
  answeredPostIds: string[];
  createdAt: string;
  updatedAt: string;
}

export interface DraftVersion {
  version: number;
  title: string;
  body: string;
  fields: FieldValues;
  authorId: string;
  createdAt: string;
}

export interface SignOffStep {
  round: number;
  position: number;
  label: string;
  department: string;
  approverIds: string[];
  status: StepStatus;
  version: number;
  dueAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  comment: string | null;
  escalations: number;
  escalatedAt: string | null;
}

export interface PublishedStatement {
  id: string;
  draftId: string;
  version: number;
  kind: StatementKind;
  department: string;
  incidentId: string | null;
  title: string;
  body: string;
  publishedAt: string;
  publishedBy: string;
  supersedes: string | null;
  supersededBy: string | null;
}

const isoOrNull = (v: unknown) => (v === null || v === undefined ? null : toIso(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export function draftOf(r: Record<string, any>): DraftRecord {
  return {
    id: r.id, kind: r.kind, department: r.department, incidentId: r.incident_id, authorId: r.author_id, status: r.status,
    currentVersion: Number(r.current_version), reviewRound: Number(r.review_round), claimId: r.claim_id,
    answeredPostIds: r.answered_post_ids ?? [], createdAt: toIso(r.created_at), updatedAt: toIso(r.updated_at),
  };
}
export function versionOf(r: Record<string, any>): DraftVersion {
  return { version: Number(r.version), title: r.title, body: r.body, fields: json<FieldValues>(r.fields), authorId: r.author_id, createdAt: toIso(r.created_at) };
}
export function stepOf(r: Record<string, any>): SignOffStep {
  return {
    round: Number(r.round), position: Number(r.position), label: r.label, department: r.department, approverIds: r.approver_ids ?? [],
    status: r.status, version: Number(r.version), dueAt: toIso(r.due_at), decidedAt: isoOrNull(r.decided_at), decidedBy: r.decided_by,
    comment: r.comment, escalations: Number(r.escalations), escalatedAt: isoOrNull(r.escalated_at),
  };
}
export function statementOf(r: Record<string, any>): PublishedStatement {
  return {
    id: r.id, draftId: r.draft_id, version: Number(r.version), kind: r.kind, department: r.department, incidentId: r.incident_id,
    title: r.title, body: r.body, publishedAt: toIso(r.published_at), publishedBy: r.published_by, supersedes: r.supersedes,
    supersededBy: r.superseded_by,
  };
}

export async function findDraft(db: Queryable, id: string, forUpdate = false): Promise<DraftRecord | null> {
  const { rows } = await db.query<Record<string, unknown>>(`SELECT * FROM drafts WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? draftOf(rows[0]) : null;
}

export async function findVersion(db: Queryable, draftId: string, version: number): Promise<DraftVersion | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM draft_versions WHERE draft_id = $1 AND version = $2', [draftId, version]);
  return rows[0] ? versionOf(rows[0]) : null;
}

export async function listVersions(db: Queryable, draftId: string): Promise<DraftVersion[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM draft_versions WHERE draft_id = $1 ORDER BY version', [draftId]);
  return rows.map(versionOf);
}

export async function insertVersion(tx: Queryable, draftId: string, v: DraftVersion): Promise<void> {
  await tx.query(
    `INSERT INTO draft_versions (draft_id, version, title, body, fields, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [draftId, v.version, v.title, v.body, JSON.stringify(v.fields), v.authorId, v.createdAt],
  );
}

export async function stepsOfRound(db: Queryable, draftId: string, round: number): Promise<SignOffStep[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT * FROM sign_off_steps WHERE draft_id = $1 AND round = $2 ORDER BY position',
    [draftId, round],
  );
  return rows.map(stepOf);
}

export async function statementsOfDraft(db: Queryable, draftId: string): Promise<PublishedStatement[]> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM statements WHERE draft_id = $1 ORDER BY version', [draftId]);
  return rows.map(statementOf);
}

export async function findStatement(db: Queryable, id: string): Promise<PublishedStatement | null> {
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM statements WHERE id = $1', [id]);
  return rows[0] ? statementOf(rows[0]) : null;
}

/** The department's published statements, newest first, for the public feeds. */
export async function departmentStatements(db: Queryable, department: string, limit = 50): Promise<PublishedStatement[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT * FROM statements WHERE department = $1 ORDER BY published_at DESC, id DESC LIMIT $2',
    [department, limit],
  );
  return rows.map(statementOf);
}
