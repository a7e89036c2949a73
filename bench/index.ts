import { COMPILED, main } from "./harness.ts";

// npm run bench -- [--json] [GROUP...]; see harness.ts. Compiled, the groups (loaded after this) get the built package.
if (COMPILED) await import("./use-dist.ts");
process.exitCode = await main(process.argv.slice(2));
