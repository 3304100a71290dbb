import { type Logger, pino } from "pino";
import type { LogFormat, LogLevel } from "../config/serve-config-schema.js";
import { colourWanted, prettyLogStream } from "./pretty-log-stream.js";

/** Where log lines go instead of standard output (tests read them): pino writes one JSON line per call. */
export interface LogDestination {
  write(line: string): void;
}

/**
 * The one logger of a serving process: fastify's (`loggerInstance`), the request log's, and start-up and
 * shutdown's. JSON lines (pino's) for a log collector, or readable lines for people, coloured on a terminal.
 */
export function createServerLogger(settings: { level: LogLevel; format: LogFormat; destination?: LogDestination }): Logger {
  const options = { level: settings.level };
  if (settings.format === "pretty") {
    const colour = !settings.destination && colourWanted(process.stdout);
    return pino(options, prettyLogStream(settings.destination ?? process.stdout, colour));
  }
  const stdout = () => pino.destination({ dest: 1, minLength: STDOUT_BATCH_BYTES, periodicFlush: STDOUT_FLUSH_MS });
  return pino(options, settings.destination ?? stdout());
}

/**
 * JSON lines leave in batches: one write per 12 KB (about sixty request lines), or after at most 100 ms, instead
 * of a write per line. pino writes what is left when the process exits, so only a killed process loses the last
 * 100 ms of lines; the audit trail, not this log, is the record that must survive (docs/operations.md).
 */
const STDOUT_BATCH_BYTES = 12 * 1024;
const STDOUT_FLUSH_MS = 100;
