import type { FastifyInstance, LightMyRequestResponse } from "fastify";

/**
 * A browser for sign-in pages through fastify's inject: keeps the cookies the server sets, and reads forms back
 * out of the pages so a test can fill them in as a person would.
 */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  constructor(private readonly app: FastifyInstance) {}

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.#keep(await this.app.inject({ method: "GET", url, headers: this.#headers() }));
  }

  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    const headers = { ...this.#headers(), "content-type": "application/x-www-form-urlencoded" };
    return this.#keep(await this.app.inject({ method: "POST", url, headers, payload: new URLSearchParams(fields).toString() }));
  }

  /** Submits the page's first form with its hidden fields and `filled` (a named button's value included). */
  submit(page: LightMyRequestResponse, filled: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const form = formOf(page.body);
    return this.post(form.action, { ...form.fields, ...filled });
  }

  #headers(): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    return cookie ? { cookie } : {};
  }

  #keep(response: LightMyRequestResponse): LightMyRequestResponse {
    const set = response.headers["set-cookie"];
    for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/Max-Age=0/.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

const unescape = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** A page's first form: where it posts and its hidden fields. */
export function formOf(page: string): { action: string; fields: Record<string, string> } {
  const form = /<form method="post" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
  if (!form) throw new Error(`no form in the page:\n${page}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\s*\/?>/g)) {
    fields[unescape(input[1]!)] = unescape(input[2]!);
  }
  return { action: unescape(form[1]!), fields };
}
