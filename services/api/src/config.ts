import { env, parseConfig } from '@huiying/config';
import { z } from 'zod';

export const ApiConfig = z.object({
  PORT: env.port(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: env.url(),
  LOG_LEVEL: env.logLevel(),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

export const loadApiConfig = (environment = process.env) => parseConfig('api', ApiConfig, environment);
