import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const ApiConfig = z.object({
  PORT: env.port(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: env.url(),
  KAFKA_BROKERS: env.brokers(),
  KAFKA_TOPIC_PREFIX: env.topicPrefix(),
  LOG_LEVEL: env.logLevel(),
  /** `Secure` on the session cookie; only a plain-HTTP local setup turns it off. */
  COOKIE_SECURE: env.bool(true),
  /** Set when a reverse proxy in front of the API sets X-Forwarded-For. */
  TRUST_PROXY: env.bool(false),
  /** Comma-separated browser origins allowed cross-origin; empty keeps CORS closed. */
  CORS_ORIGINS: z.string().default('').transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  /** Requests per minute per user (or client address when signed out). */
  RATE_LIMIT_PER_MINUTE: env.positiveInt(1200),
  /** Login attempts per minute per client address. */
  LOGIN_RATE_LIMIT_PER_MINUTE: env.positiveInt(10),
  /** The public origin the statement feeds link to. */
  PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
  /** Names the public feeds; Longnan is the default configuration, not a constant. */
  CITY_NAME: z.string().min(1).default('陇南市'),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

export const loadApiConfig = (environment = process.env) => parseConfig('api', ApiConfig, environment);
