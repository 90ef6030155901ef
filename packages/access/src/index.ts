export {
  ALL_DEPARTMENTS,
  ROLES,
  coversAnyDepartment,
  coversDepartment,
  isRole,
} from "./roles";
export type { Principal, Role } from "./roles";
export { ACTIONS, ROLE_GRANTS, can, decide } from "./policy";
export type {
  Action,
  ActionResources,
  Decision,
  DraftResource,
  IncidentResource,
  MergeResource,
  PublishResource,
  Refusal,
  ReportResource,
  SignOffStepResource,
  SystemResource,
} from "./policy";
export {
  DEFAULT_SCRYPT_PARAMS,
  MAX_PASSWORD_LENGTH,
  decoyPasswordHash,
  hashPassword,
  needsRehash,
  parsePasswordHash,
  verifyPassword,
} from "./password";
export type { ScryptParams } from "./password";
export { digestsEqual, randomToken, tokenDigest } from "./tokens";
export {
  DEFAULT_SESSION_POLICY,
  MemorySessionStore,
  endSession,
  resumeSession,
  sessionAlive,
  startSession,
} from "./session";
export type {
  SessionPolicy,
  SessionStore,
  StartSessionInput,
  StoredSession,
} from "./session";
export {
  MemoryApiKeyStore,
  authenticateApiKey,
  issueApiKey,
  parseApiKey,
} from "./api-key";
export type { ApiKeyStore, StoredApiKey } from "./api-key";
export {
  SecretKeyring,
  SecretOpenError,
  needsReseal,
  openSecret,
  parseKeyring,
  sealSecret,
} from "./secret-box";
export type { SecretKey } from "./secret-box";
export { csvCell, neutraliseCell, toCsv } from "./csv";
export type { CsvValue } from "./csv";
export {
  formatIp,
  inCidr,
  parseCidr,
  parseIp,
  parseIpv4,
  parseIpv6,
} from "./ip-address";
export type { Cidr } from "./ip-address";
export {
  EMPTY_ALLOW_LIST,
  addressAllowed,
  blockedReason,
  checkSourceUrl,
  guardedLookup,
  parseAllowList,
  systemResolve,
} from "./ssrf-guard";
export type { Resolve, SsrfAllowList, UrlCheck } from "./ssrf-guard";
export {
  PostgresApiKeyStore,
  PostgresSessionStore,
  PostgresUserDirectory,
} from "./postgres-stores";
export type { UserRecord } from "./postgres-stores";
