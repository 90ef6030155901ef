import {
  randomBytes,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from "node:crypto";

/**
 * scrypt cost. The defaults are OWASP's password-storage recommendation for scrypt
 * (N = 2^17, r = 8, p = 1: 128 MiB and roughly 0.3 s per hash on our 2-core box), so a stolen
 * users table costs an attacker the same per guess. Parameters travel inside the stored hash,
 * so raising them later only affects new hashes; `needsRehash` says when to upgrade at login.
 */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. Default 131072 (2^17). */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelism. Default 1. */
  p: number;
}

export const DEFAULT_SCRYPT_PARAMS: Readonly<ScryptParams> = {
  N: 2 ** 17,
  r: 8,
  p: 1,
};
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Refuse stored parameters beyond this: a tampered row must not make login allocate gigabytes. */
const MAX_N = 2 ** 20;
/** bcrypt-style cap: a megabyte password would otherwise be a cheap denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;

function scrypt(
  password: string,
  salt: Buffer,
  params: ScryptParams,
): Promise<Buffer> {
  // Node's default maxmem (32 MiB) is below what N = 2^17 needs (128 * N * r bytes).
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize("NFC"),
      salt,
      KEY_LENGTH,
      options,
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

function validParams(p: ScryptParams): boolean {
  const powerOfTwo = Number.isInteger(Math.log2(p.N));
  return (
    powerOfTwo &&
    p.N >= 2 ** 10 &&
    p.N <= MAX_N &&
    Number.isInteger(p.r) &&
    p.r >= 1 &&
    p.r <= 32 &&
    Number.isInteger(p.p) &&
    p.p >= 1 &&
    p.p <= 16
  );
}

/** `scrypt$N=131072,r=8,p=1$<salt b64url>$<key b64url>`: self-describing, so parameters can change. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  if (password.length === 0)
    throw new Error("access: an empty password cannot be hashed");
  if (password.length > MAX_PASSWORD_LENGTH)
    throw new Error(
      `access: passwords are limited to ${MAX_PASSWORD_LENGTH} characters`,
    );
  if (!validParams(params))
    throw new Error("access: scrypt parameters out of range");
  const salt = randomBytes(SALT_LENGTH);
  const key = await scrypt(password, salt, params);
  return `scrypt$N=${params.N},r=${params.r},p=${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const HASH_FORMAT =
  /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

export function parsePasswordHash(stored: string): ParsedHash | null {
  const m = HASH_FORMAT.exec(stored);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (!validParams(params)) return null;
  const salt = Buffer.from(m[4]!, "base64url");
  const key = Buffer.from(m[5]!, "base64url");
  if (salt.length < SALT_LENGTH || key.length !== KEY_LENGTH) return null;
  return { params, salt, key };
}

/**
 * Constant-time comparison of the derived key. A malformed stored hash verifies as false rather
 * than throwing, so a broken row cannot be told apart from a wrong password by the caller's timing.
 */
export async function verifyPassword(
  password: string,
  stored: string,
): Promise<boolean> {
  if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH)
    return false;
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await scrypt(password, parsed.salt, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/** True when the stored hash was made with weaker parameters than `params`: rehash at next login. */
export function needsRehash(
  stored: string,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return true;
  return (
    parsed.params.N < params.N ||
    parsed.params.r < params.r ||
    parsed.params.p < params.p
  );
}

/**
 * A hash of a random password, made once per process: login with an unknown user name verifies
 * against it, so "no such user" costs the same time as "wrong password".
 */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString("base64url"), params);
  return decoy;
}
