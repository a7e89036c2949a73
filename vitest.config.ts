import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The default reporter for people, plus one closing line that CI counts.
    reporters: ["default", "./test/support/count-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
