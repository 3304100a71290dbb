import { type Command, InvalidArgumentError } from "commander";
import type { ThrottleSetting } from "../config/throttle-setting.js";
import { readInputText } from "./input-file.js";

/**
 * `--throttle azure|off|FILE` as commander reads it: Azure's limits, none, or a JSON file holding what the config
 * file's `throttle` setting holds (limits of one's own, small ones for a test). A file's JSON is checked against
 * the setting's schema by throttleSettingOf, in the command's action: the schema library is loaded only then.
 */
export type ThrottleOption = "azure" | "off" | { file: string; json: unknown };

export const THROTTLE_FLAGS = "--throttle <azure|off|file>";

export function parseThrottle(value: string): ThrottleOption {
  if (value === "azure" || value === "off") return value;
  try {
    return { file: value, json: JSON.parse(readInputText(value)) };
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidArgumentError(`${value} is not valid JSON`);
    throw new InvalidArgumentError(`must be azure, off or a JSON file of limits: ${(error as Error).message}`);
  }
}

/** The setting `option` stands for; a file that breaks the schema is refused as commander refuses a bad argument. */
export async function throttleSettingOf(option: ThrottleOption | undefined, command: Command): Promise<ThrottleSetting | undefined> {
  if (option === undefined || typeof option === "string") return option;
  const [{ throttleSettingSchema }, { describeIssues }] = await Promise.all([
    import("../config/throttle-setting-schema.js"),
    import("../config/config-issues.js"),
  ]);
  const result = throttleSettingSchema.safeParse(option.json);
  if (result.success) return result.data;
  // Described as the config file's `throttle` setting, which the file stands for.
  const issues = result.error.issues.map((issue) => ({ ...issue, path: ["throttle", ...issue.path] }));
  const problem = `${option.file}: ${describeIssues(issues, { throttle: option.json }).join("; ")}`;
  return command.error(`error: option '${THROTTLE_FLAGS}' argument '${option.file}' is invalid. ${problem}`, {
    code: "commander.invalidArgument",
  });
}
