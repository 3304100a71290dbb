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
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
