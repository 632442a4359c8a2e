// Calls the `inspect` binary from Node: lists the logs of a directory, reads each
// log's header, and types it with the declarations `inspect info log-types` prints.
//
//   inspect info log-types > log.ts       # the EvalLog declarations
//   npx tsc -p . && node dist/list_and_read.js ./logs
//
// INSPECT_BIN names the binary (default: `inspect` on PATH).

import { execFileSync } from "node:child_process";
import JSON5 from "json5";
import type { EvalLog } from "./log";

/** A record of `inspect list logs --json` (strict JSON). */
interface LogRecord {
  name: string;
  type: string;
  size: number;
  mtime: number | null;
  task: string;
  task_id: string;
  suffix: string | null;
}

const inspect = process.env.INSPECT_BIN ?? "inspect";

function run(args: string[]): string {
  return execFileSync(inspect, args, { encoding: "utf8", maxBuffer: 1 << 30 });
}

const logDir = process.argv[2] ?? "logs";
const records: LogRecord[] = JSON.parse(run(["list", "logs", "--json", "--log-dir", logDir]));
for (const record of records) {
  // Dumps print NaN and Infinity as JavaScript does: a JSON5 parser reads them.
  const log: EvalLog = JSON5.parse(run(["info", "log-file", record.name, "--header-only"]));
  const score = log.results?.scores[0];
  const metric = score ? Object.keys(score.metrics)[0] : undefined;
  const value: number | null | undefined = metric ? score?.metrics[metric].value : undefined;
  console.log([record.task, log.status, log.eval.model, metric ?? "-", value ?? "-"].join("\t"));
}
