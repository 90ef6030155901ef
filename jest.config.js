// One jest run for the whole repo. Unit tests (`*.test.ts`) are pure and need no services;
// integration tests (`*.integration.test.ts`) talk to the real Kafka, Redis and PostgreSQL that
// `npm test` (scripts/test.sh) makes sure are running.
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
};
const common = {
  transform,
  // A few dependencies ship ESM only (cookie 2, used by fastify's inject). Node 20 can require
  // them, jest's module system cannot: let swc turn them into CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|set-cookie-parser)/)'],
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.data/', '<rootDir>/infra/kafka/.cache/'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Read only at the top level (a per-project value is ignored). Unit tests finish far sooner;
  // integration tests wait for real brokers, consumer-group joins and BullMQ delays.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integration\\.test\\.ts$', '\\.browser\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.integration.test.ts'],
    },
  ],
};
