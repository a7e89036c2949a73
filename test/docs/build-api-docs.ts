/**
 * `npm run docs`: the API reference into docs/api/ (git-ignored), then what
 * is undocumented, missing an example or broken; exit 1 when something
 * outside the pending files is (the same rule as test/docs/api-docs.test.ts).
 */
import { join } from "node:path";
import { buildApiDocs, describeResult, passes, ROOT } from "./api-docs.ts";

const out = process.argv[2] ?? join(ROOT, "docs", "api");
const result = await buildApiDocs(out);
console.log(describeResult(result));
process.exitCode = passes(result) ? 0 : 1;
