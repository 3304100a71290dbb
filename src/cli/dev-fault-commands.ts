import { type Command, InvalidArgumentError } from "commander";
import { KeyholdClient } from "./keyhold-client.js";
import { parsePositiveInteger } from "./options.js";
import { print } from "./output.js";

const FAULTS = "/keyhold/dev/faults";

function parseFaultStatus(value: string): number {
  if (!/^(429|500|503)$/.test(value)) throw new InvalidArgumentError("must be 429, 500 or 503");
  return Number(value);
}

/** `keyhold dev faults …`: a dev server's injected faults (dev mode only, for administrators). */
export function registerDevFaultCommands(dev: Command): void {
  const faults = dev
    .command("faults")
    .description("Make a dev server answer data-plane requests with Azure's errors, to test how applications recover")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold dev faults add --status 503 --count 2 --match 'GET /secrets/*'\n" +
        "  keyhold dev faults list\n  keyhold dev faults clear",
    );

  faults
    .command("add")
    .description("Answer the next N matching data-plane requests with a status and Azure's error body (429 and 503 with Retry-After: 1)")
    .requiredOption("--status <status>", "429 (Throttled), 500 (InternalServerError) or 503 (ServiceUnavailable)", parseFaultStatus)
    .option("--count <n>", "how many requests get the fault", parsePositiveInteger, 1)
    .option("--match <pattern>", "`METHOD /path` or `/path` as the vault sees it; * stands for any characters", "*")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold dev faults add --status 503 --count 2 --match 'GET /secrets/*'\n" +
        "  keyhold dev faults add --status 429 --count 5 --match 'POST /keys/*/sign'\n  keyhold dev faults add --status 500",
    )
    .action(async (o: { status: number; count: number; match: string }) => {
      print(await new KeyholdClient().call("POST", FAULTS, { status: o.status, count: o.count, match: o.match }));
    });

  faults
    .command("list")
    .description("List the faults still waiting, with how many requests each will answer")
    .addHelpText("after", "\nExample:\n  keyhold dev faults list -o table")
    .action(async () => print(((await new KeyholdClient().call("GET", FAULTS)) as { value: unknown[] }).value));

  faults
    .command("clear")
    .description("Remove every waiting fault")
    .addHelpText("after", "\nExample:\n  keyhold dev faults clear")
    .action(async () => print(await new KeyholdClient().call("DELETE", FAULTS)));
}
