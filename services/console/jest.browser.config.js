// The console's browser tests: Debian's chromium driven by playwright-core against the built
// console. Kept out of the unit project (they need a browser and a build) and the integration
// project (they need no Kafka/Redis/PostgreSQL). Run: npm run test:browser -w @huiying/console
/** @type {import('jest').Config} */
module.exports = {
  rootDir: "../..",
  displayName: "browser",
  testMatch: ["<rootDir>/services/console/src/**/*.browser.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": [
      "@swc/jest",
      { jsc: { target: "es2022", parser: { syntax: "typescript" } } },
    ],
  },
  // The real-API tests build the API app: fastify's inject needs cookie 2, which ships ESM only.
  transformIgnorePatterns: ["/node_modules/(?!(cookie|set-cookie-parser)/)"],
  testEnvironment: "node",
  testTimeout: 120_000,
};
