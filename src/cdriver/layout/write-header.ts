/**
 * Writes include/dmasim/generated.h from the type table:
 *   npx tsx src/cdriver/layout/write-header.ts
 */
import { writeFileSync } from "node:fs";
import { generateHeader } from "./generate-header.ts";
import { C } from "./structs.ts";
import { CONSTANTS } from "./constants.ts";
import { GENERATED_HEADER } from "../toolchain/paths.ts";

writeFileSync(GENERATED_HEADER, generateHeader(C, CONSTANTS));
console.log(`wrote ${GENERATED_HEADER}`);
