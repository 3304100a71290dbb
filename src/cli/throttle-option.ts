import { InvalidArgumentError } from "commander";
import { describeIssues } from "../config/config-issues.js";
import { type ThrottleSetting, throttleSettingSchema } from "../config/throttle-setting.js";
import { readInputText } from "./input-file.js";

/**
 * `--throttle azure|off|FILE`: Azure's limits, none, or a JSON file holding what the config file's `throttle`
 * setting holds (limits of one's own, small ones for a test).
 */
export function parseThrottle(value: string): ThrottleSetting {
  if (value === "azure" || value === "off") return value;
  let raw: unknown;
  try {
    raw = JSON.parse(readInputText(value));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InvalidArgumentError(`${value} is not valid JSON`);
    throw new InvalidArgumentError(`must be azure, off or a JSON file of limits: ${(error as Error).message}`);
  }
  const result = throttleSettingSchema.safeParse(raw);
  if (result.success) return result.data;
  // Described as the config file's `throttle` setting, which the file stands for.
  const issues = result.error.issues.map((issue) => ({ ...issue, path: ["throttle", ...issue.path] }));
  throw new InvalidArgumentError(`${value}: ${describeIssues(issues, { throttle: raw }).join("; ")}`);
}
