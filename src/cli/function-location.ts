/**
 * Where a function is defined (file, line, column in the user's source), for
 * messages about a function that did something wrong without throwing (a
 * scenario's run() that returned nothing). V8 knows it ([[FunctionLocation]]
 * through the inspector protocol, in this process); a source map (tsx
 * registers one per transformed file) turns it into the TypeScript line.
 * Only used on the error path: it enables the debugger for a moment.
 */
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import { fileURLToPath } from "node:url";

export interface SourceLocation {
  readonly file: string;
  /** 1-based, as editors and stack traces count. */
  readonly line: number;
  readonly column: number;
}

interface RemoteObject {
  readonly objectId?: string;
}
interface InternalProperty {
  readonly name: string;
  readonly value?: { readonly value?: { scriptId: string; lineNumber: number; columnNumber: number } };
}

/** The definition site of `fn`, or undefined when it cannot be told (a native or bound function, no inspector). */
export async function functionLocation(fn: unknown): Promise<SourceLocation | undefined> {
  if (typeof fn !== "function") return undefined;
  const session = new Session();
  const key = Symbol.for("dmasim.functionLocation");
  const scripts = new Map<string, string>();
  try {
    session.connect();
    session.on("Debugger.scriptParsed", (m: { params: { scriptId: string; url: string } }) => scripts.set(m.params.scriptId, m.params.url));
    await session.post("Debugger.enable");
    (globalThis as { [k: symbol]: unknown })[key] = fn;
    const { result } = (await session.post("Runtime.evaluate", { expression: `globalThis[Symbol.for("dmasim.functionLocation")]` })) as { result: RemoteObject };
    if (result.objectId === undefined) return undefined;
    const props = (await session.post("Runtime.getProperties", { objectId: result.objectId, ownProperties: true })) as { internalProperties?: InternalProperty[] };
    const loc = props.internalProperties?.find((p) => p.name === "[[FunctionLocation]]")?.value?.value;
    if (loc === undefined) return undefined;
    const url = scripts.get(loc.scriptId);
    if (url === undefined || url === "") return undefined;
    const file = url.startsWith("file:") ? fileURLToPath(url.replace(/[?#].*$/, "")) : url;
    const entry = (findSourceMap(file) ?? findSourceMap(url))?.findEntry(loc.lineNumber, loc.columnNumber);
    if (entry !== undefined && "originalLine" in entry) {
      const source = entry.originalSource.startsWith("file:") ? fileURLToPath(entry.originalSource) : entry.originalSource;
      return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    }
    return { file, line: loc.lineNumber + 1, column: loc.columnNumber + 1 };
  } catch {
    return undefined;
  } finally {
    delete (globalThis as { [k: symbol]: unknown })[key];
    try {
      await session.post("Debugger.disable");
    } catch {
      // The session may never have connected.
    }
    session.disconnect();
  }
}
