import { main } from "./harness.ts";

// npm run bench -- [--json] [GROUP...]; see harness.ts.
process.exitCode = await main(process.argv.slice(2));
