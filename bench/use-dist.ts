/** `node --import` this (compiled) to run bench modules against the built package: see dist-hook.ts. */
import { register } from "node:module";

register("./dist-hook.js", import.meta.url);
