const compiled = new Map<string, RegExp>();

/** Whether an action matches a role's action pattern: exact, ignoring case, where `*` stands for any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    regex = new RegExp(`^${source}$`, "i");
    compiled.set(pattern, regex);
  }
  return regex.test(action);
}

/** Whether a permission set (allowed patterns minus denied patterns) grants the action. */
export function grants(allowed: readonly string[], denied: readonly string[], action: string): boolean {
  return allowed.some((p) => actionMatches(p, action)) && !denied.some((p) => actionMatches(p, action));
}
