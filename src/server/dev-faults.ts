import { badParameter } from "../errors/key-vault-error.js";

export const FAULT_STATUSES = [429, 500, 503] as const;
export type FaultStatus = (typeof FAULT_STATUSES)[number];

/** One injected fault as the admin API shows it: what it answers, how many more times, and to which requests. */
export interface Fault {
  id: number;
  status: FaultStatus;
  remaining: number;
  /** `METHOD /path` or `/path`, `*` standing for any characters (`GET /secrets/*`). */
  match: string;
}

const MAX_COUNT = 10_000;
const MAX_FAULTS = 100;
const PATTERN = /^(?:([A-Za-z]+|\*) +)?(\/[^\s?#]{0,300}|\*)$/;

/** Which requests a fault answers: a method (null: any) and a path pattern, and how the API shows them. */
interface Match {
  method: string | null;
  path: RegExp;
  text: string;
}

interface Rule extends Fault {
  matches: Match;
}

/** `METHOD /path`, `/path` or `*`: `*` stands for any characters, paths compare case-insensitively, trailing slashes aside. */
function parseMatch(match: unknown): Match {
  const parsed = typeof match === "string" ? PATTERN.exec(match.trim()) : null;
  if (!parsed) {
    throw badParameter("The parameter 'match' must be a request as `METHOD /path` or `/path`, where * stands for any characters.");
  }
  const method = parsed[1] === undefined || parsed[1] === "*" ? null : parsed[1].toUpperCase();
  const path = parsed[2] === "*" ? "/*" : parsed[2]!.replace(/\/+$/, "") || "/";
  const regex = new RegExp(`^${path.split("*").map(escapeRegExp).join(".*")}/*$`, "i");
  return { method, path: regex, text: `${method ?? "*"} ${path}` };
}

/**
 * Dev mode's injected faults (`POST /keyhold/dev/faults`), for testing how applications survive Azure's errors:
 * the next `count` data-plane requests a fault matches are answered with its status instead of being handled.
 * Faults are kept in this process's memory, in the order they were added; the first that matches a request answers
 * it, and a fault is gone once it has answered `count` times.
 */
export class DevFaults {
  #rules: Rule[] = [];
  #nextId = 1;

  /** Adds a fault, checking what a client sent (status, count and pattern come from the admin API's body). */
  add(status: unknown, count: unknown, match: unknown): Fault {
    if (!FAULT_STATUSES.includes(status as FaultStatus)) throw badParameter("The parameter 'status' must be 429, 500 or 503.");
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
      throw badParameter(`The parameter 'count' must be a whole number from 1 to ${MAX_COUNT}.`);
    }
    const matches = parseMatch(match ?? "*");
    if (this.#rules.length >= MAX_FAULTS) throw badParameter(`At most ${MAX_FAULTS} faults can wait at once: clear some first.`);
    const rule: Rule = { id: this.#nextId++, status: status as FaultStatus, remaining: count, match: matches.text, matches };
    this.#rules.push(rule);
    return viewOf(rule);
  }

  list(): Fault[] {
    return this.#rules.map(viewOf);
  }

  clear(): number {
    const cleared = this.#rules.length;
    this.#rules = [];
    return cleared;
  }

  /** The status to answer a request with, counting it against the fault that matches it, or null for none. */
  take(method: string, url: string): FaultStatus | null {
    if (this.#rules.length === 0) return null;
    const query = url.indexOf("?");
    const path = (query < 0 ? url : url.slice(0, query)).replace(/\/{2,}/g, "/");
    const rule = this.#rules.find(({ matches }) => (matches.method === null || matches.method === method) && matches.path.test(path));
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining === 0) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.status;
  }
}

const viewOf = ({ id, status, remaining, match }: Rule): Fault => ({ id, status, remaining, match });

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
