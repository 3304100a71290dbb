// Preloaded (NODE_OPTIONS=--import) where a test cannot edit /etc/hosts: the names listed in the file that
// KEYHOLD_TEST_HOSTS_FILE names, in /etc/hosts format (`ADDRESS NAME…` lines, `#` comments), resolve to their
// address in this process, as /etc/hosts would make them; every other name resolves as usual.
import dns from "node:dns";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";

const file = process.env.KEYHOLD_TEST_HOSTS_FILE;
/** @type {Map<string, string>} name (lower case) → address */
const hosts = new Map();
for (const line of file ? readFileSync(file, "utf8").split("\n") : []) {
  const [address, ...names] = line.replace(/#.*/, "").trim().split(/\s+/);
  if (address && isIP(address)) for (const name of names) hosts.set(name.toLowerCase(), address);
}

const systemLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const done = typeof options === "function" ? options : callback;
  const settings = typeof options === "object" && options !== null ? options : {};
  const address = hosts.get(String(hostname).toLowerCase().replace(/\.$/, ""));
  if (address === undefined) return systemLookup.call(this, hostname, options, callback);
  const family = isIP(address);
  process.nextTick(() => (settings.all ? done(null, [{ address, family }]) : done(null, address, family)));
  return undefined;
};
