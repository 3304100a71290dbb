import type { Command } from "commander";
import { ConfigError } from "../config/config-error.js";
import { parseMasterKey } from "../config/master-key.js";
import { masterKeyId } from "../crypto/envelope.js";
import { CliError } from "./cli-error.js";
import { readInputText } from "./input-file.js";
import { KeyholdClient } from "./keyhold-client.js";
import { print } from "./output.js";
import { withSpinner } from "./progress.js";

const ROTATE_PATH = "/keyhold/masterKey/rotate";
/** How often `rotate` asks for progress while it waits. */
const POLL_MS = 1000;

interface RotationStatus {
  currentKeyId: string;
  state: "idle" | "running" | "done";
  total: number;
  done: number;
  rewrapped: number;
  unreadable: number;
  error: string | null;
}

/** The id of the key in a file: the key itself never leaves this process. */
function keyIdOfFile(file: string): string {
  try {
    return masterKeyId(parseMasterKey(readInputText(file)));
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError("BadParameter", `${file}: ${error.message}`);
    throw error;
  }
}

/** A finished pass that left records no configured key opens is a failure: removing the old key would lose them. */
function finishedStatus(status: RotationStatus): RotationStatus {
  if (status.unreadable > 0) {
    throw new CliError(
      "MasterKeyRotationIncomplete",
      `${status.unreadable} record(s) open with no configured master key and were left as they are: keep every previous key configured`,
    );
  }
  return status;
}

async function waitUntilDone(client: KeyholdClient): Promise<RotationStatus> {
  for (;;) {
    const status = (await client.call("GET", ROTATE_PATH)) as RotationStatus;
    if (status.state === "done") return finishedStatus(status);
    if (status.error)
      throw new CliError("MasterKeyRotationStopped", `the rotation stopped: ${status.error}; run the command again to continue`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `keyhold master-key rotate|status`: re-wrap every record under the server's new master key, and follow it. */
export function registerMasterKeyCommands(program: Command): void {
  const masterKey = program.command("master-key").description("Rotate the server's master key (docs/master-key.md)");

  masterKey
    .command("rotate")
    .description("Re-wrap every record's data key under the server's current master key, the one in --new-key-file")
    .requiredOption("--new-key-file <file>", "the new master key (base64), already the server's masterKey; only its id is sent")
    .option("--no-wait", "start the rotation and return at once (follow it with `keyhold master-key status`)")
    .addHelpText(
      "after",
      "\nFirst restart every node with the new key as masterKey and the old one under previousMasterKeys.\n" +
        "Examples:\n  keyhold master-key rotate --new-key-file new-master.key\n  keyhold master-key rotate --new-key-file new-master.key --no-wait",
    )
    .action(async (o: { newKeyFile: string; wait: boolean }) => {
      const keyId = keyIdOfFile(o.newKeyFile);
      const client = new KeyholdClient();
      let started: RotationStatus;
      try {
        started = (await client.call("POST", ROTATE_PATH, { keyId })) as RotationStatus;
      } catch (error) {
        if (error instanceof CliError && error.code === "MasterKeyMismatch") {
          throw new CliError(
            "MasterKeyMismatch",
            `the server's current master key is not ${o.newKeyFile}; configure it as masterKey and the old key under previousMasterKeys first`,
            error.statusCode,
          );
        }
        throw error;
      }
      print(o.wait ? await withSpinner("re-wrapping data keys", waitUntilDone(client)) : started);
    });

  masterKey
    .command("status")
    .description("Show the server's master key id and the rotation's progress (records total and done, state)")
    .addHelpText("after", "\nExample:\n  keyhold master-key status")
    .action(async () => print(await new KeyholdClient().call("GET", ROTATE_PATH)));
}
