import { badParameter } from "../../errors/key-vault-error.js";

/**
 * A JSON request body, refused rather than silently changed: bytes that are not UTF-8 would become U+FFFD when
 * decoded, and a lone surrogate escape (`"\uD800"`) names a character that no UTF-8 value can hold, so a stored
 * secret would not be the value the client sent.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A `\uD800`–`\uDFFF` escape somewhere in the text: only then can a parsed string hold a lone surrogate. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === "string") return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(item));
  }
  return false;
}

/** The parsed body, or undefined for an empty one; a KeyVaultError (400 BadParameter) for anything else. */
export function parseJsonBody(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badParameter("The request body is not valid UTF-8.");
  }
  if (text.trim() === "") return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badParameter("The request body is not valid JSON.");
  }
  if (SURROGATE_ESCAPE.test(text) && holdsLoneSurrogate(json)) {
    throw badParameter("The request body holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape), which no UTF-8 value can hold.");
  }
  return json;
}
