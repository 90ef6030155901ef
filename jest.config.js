// One jest run for the whole repo. Unit tests (`*.test.ts`) are pure and need no services;
// integration tests (`*.integration.test.ts`) talk to the real Kafka, Redis and PostgreSQL that
// `npm test` (scripts/test.sh) makes sure are running.
const transform = {
  '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
};
const common = {
  transform,
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.data/', '<rootDir>/infra/kafka/.cache/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integration\\.test\\.ts$', '/node_modules/'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.integration.test.ts'],
      testTimeout: 120_000,
    },
  ],
};
