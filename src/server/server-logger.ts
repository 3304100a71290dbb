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
  if (settings.destination) return pino(options, settings.destination);
  const stdout = pino.destination({ dest: 1, minLength: STDOUT_BATCH_BYTES, periodicFlush: STDOUT_FLUSH_MS });
  const flushWarnings = {
    logMethod(this: Logger, args: Parameters<Logger["info"]>, write: Logger["info"], level: number) {
      write.apply(this, args);
      if (level >= WARN) stdout.flush();
    },
  };
  return pino({ ...options, hooks: flushWarnings }, stdout);
}

/**
 * JSON lines leave in batches: one write per 12 KB (about sixty request lines), or after at most 100 ms, instead
 * of a write per line; a warning or an error is written at once, with whatever waits before it. pino writes what is
 * left when the process exits, so only a killed process loses its last 100 ms of info lines; the audit trail, not
 * this log, is the record that must survive (docs/operations.md).
 */
const STDOUT_BATCH_BYTES = 12 * 1024;
const STDOUT_FLUSH_MS = 100;
/** pino's number for the `warn` level. */
const WARN = 40;
