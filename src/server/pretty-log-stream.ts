/**
 * Dev mode's readable log: takes pino's JSON lines and writes one short line each, for a person at a terminal.
 * A request reads `12:04:31.250 INFO  GET /secrets/:name 200 3.1 ms vault=… operation=… reqId=…`; any other line
 * reads `time LEVEL message key=value…`, with an error's stack below it. Colour (by level, and a request's
 * status by class) only when asked: the caller decides from the terminal and NO_COLOR (`colourWanted`).
 */

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

/** pino's own fields and the request's headline ones: shown in the line's fixed part, not as key=value. */
const HEADLINE_FIELDS = new Set(["level", "time", "pid", "hostname", "msg", "err", "method", "route", "statusCode", "durationMs"]);

const paint = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const RED = paint(31);
const GREEN = paint(32);
const YELLOW = paint(33);
const CYAN = paint(36);
const DIM = paint(2);

function levelColour(level: number): (text: string) => string {
  if (level >= 50) return RED;
  if (level >= 40) return YELLOW;
  return level >= 30 ? GREEN : DIM;
}

function statusColour(status: number): (text: string) => string {
  if (status >= 500) return RED;
  if (status >= 400) return YELLOW;
  return status >= 300 ? CYAN : GREEN;
}

/** Whether a stream is a terminal that may be coloured: https://no-color.org turns colour off when NO_COLOR is set. */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

function clock(epochMs: number): string {
  const at = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}.${String(at.getMilliseconds()).padStart(3, "0")}`;
}

const shown = (value: unknown): string => (typeof value === "string" && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value));

/** One pino record as a readable line (and an error's stack on the lines below it). */
export function formatLogRecord(record: Record<string, unknown>, colour: boolean): string {
  const level = typeof record.level === "number" ? record.level : 30;
  const none = (text: string) => text;
  const levelName = (colour ? levelColour(level) : none)((LEVEL_NAMES[level] ?? String(level)).padEnd(5));
  const time = typeof record.time === "number" ? clock(record.time) : "";
  let headline = typeof record.msg === "string" ? record.msg : "";
  if (typeof record.method === "string" && typeof record.statusCode === "number") {
    const status = (colour ? statusColour(record.statusCode) : none)(String(record.statusCode));
    const duration = typeof record.durationMs === "number" ? ` ${record.durationMs.toFixed(1)} ms` : "";
    headline = `${record.method} ${typeof record.route === "string" ? record.route : "(no route)"} ${status}${duration}`;
  }
  const details = Object.entries(record)
    .filter(([key, value]) => !HEADLINE_FIELDS.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${shown(value)}`)
    .join(" ");
  const stack = (record.err as { stack?: unknown } | undefined)?.stack;
  const line = [time, levelName, headline, details && (colour ? DIM(details) : details)].filter(Boolean).join(" ");
  return typeof stack === "string" ? `${line}\n${stack.replace(/^/gm, "    ")}` : line;
}

/** A pino destination that writes each record as a readable line to `out`. A line that is not JSON passes as it is. */
export function prettyLogStream(out: { write(text: string): unknown }, colour: boolean): { write(line: string): void } {
  return {
    write(line: string) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      out.write(`${formatLogRecord(record as Record<string, unknown>, colour)}\n`);
    },
  };
}
