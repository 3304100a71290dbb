import { useState } from "preact/hooks";
import { chooseTheme, chosenTheme } from "./theme.js";

/** Switches between the light and the dark theme; its name says which one it turns on. */
export function ThemeToggle() {
  const [theme, setTheme] = useState(chosenTheme);
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      onClick={() => {
        chooseTheme(next);
        setTheme(next);
      }}
    >
      {next === "dark" ? "Dark theme" : "Light theme"}
    </button>
  );
}
