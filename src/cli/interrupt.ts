/**
 * Ctrl-C while the uptime runs. The uptime is synchronous (Workload.run), so
 * the main thread's event loop, where process.on("SIGINT") handlers run, never
 * turns until it ends. A worker thread watches instead: it waits inside a vm
 * script run with breakOnSigint, which Node ends on SIGINT (the REPL's way of
 * stopping a busy loop), and then sets a flag in shared memory that the
 * workload reads between slices (about a simulated minute each). While the
 * watcher runs, the first Ctrl-C only sets the flag; after that the watchdog
 * is gone and a second Ctrl-C ends the process as usual.
 */
import { Worker } from "node:worker_threads";

/** What runCommand polls: whether Ctrl-C was pressed; stop() ends the watcher. */
export interface InterruptWatch {
  /** True once SIGINT arrived (read between uptime slices). */
  readonly interrupted: () => boolean;
  /** End the watcher thread (idempotent). */
  readonly stop: () => void;
}

// CommonJS, evaluated in the worker: no module loading, so no loader hooks (tsx) are involved.
const WATCHER = `
const { workerData, parentPort } = require("node:worker_threads");
const vm = require("node:vm");
const flag = workerData;
const ready = () => parentPort.postMessage("ready");
try {
  // "ready" from inside the script: the SIGINT watchdog is in place by then.
  vm.runInNewContext("ready(); Atomics.wait(flag, 1, 0)", { flag, Atomics, ready }, { breakOnSigint: true });
} catch {
  Atomics.store(flag, 0, 1);
  parentPort.postMessage("sigint");
}
`;

/**
 * Start watching for SIGINT; resolves once the watcher is in place (a Ctrl-C
 * before that ends the process as it always has). `onSigint` runs on the main
 * thread when its event loop next turns (after the uptime slice that saw the
 * flag, or at once while the command awaits).
 */
export async function watchInterrupt(onSigint: () => void = () => undefined): Promise<InterruptWatch> {
  const flag = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(WATCHER, { eval: true, workerData: flag, execArgv: [], stdout: false, stderr: false });
  let stopped = false;
  await new Promise<void>((resolve, reject) => {
    worker.once("message", () => resolve());
    worker.once("error", reject);
  });
  worker.on("message", (m) => {
    if (m === "sigint" && !stopped) onSigint();
  });
  worker.unref();
  return {
    interrupted: () => Atomics.load(flag, 0) === 1,
    stop: () => {
      if (stopped) return;
      stopped = true;
      void worker.terminate();
    },
  };
}
