/**
 * The sign-in pages' stylesheet and their one script, served from the server's own origin so that the pages'
 * Content-Security-Policy can forbid inline code. The script submits a form marked `data-autosubmit` (the answer
 * posted back to a client's redirect URI); the form's own button does the same without JavaScript.
 */
export const PAGE_STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #f5f6f8; --card: #fff; --accent: #0b5cad; --error: #b00020; --muted: #555; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #16181c; --card: #22252b; --accent: #6ab0ff; --error: #ff8a80; --muted: #aaa; }
}
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
main { width: min(26rem, 92vw); padding: 2rem; background: var(--card); border-radius: 8px; box-shadow: 0 2px 12px rgb(0 0 0 / 0.15); }
h1 { margin: 0 0 1rem; font-size: 1.4rem; }
p { margin: 0 0 1rem; }
label { display: block; margin: 0 0 1rem; font-weight: 600; }
input { display: block; width: 100%; margin-top: 0.3rem; padding: 0.5rem; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--muted); border-radius: 4px; }
.actions { display: flex; gap: 0.5rem; justify-content: flex-end; }
button { padding: 0.5rem 1.2rem; font: inherit; border-radius: 4px; border: 1px solid var(--accent); cursor: pointer; }
button.primary { color: #fff; background: var(--accent); }
@media (prefers-color-scheme: dark) { button.primary { color: #000; } }
button.secondary { color: var(--accent); background: transparent; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--error); font-weight: 600; }
.code { font: 1.6rem/1 ui-monospace, monospace; letter-spacing: 0.15em; }
.muted { color: var(--muted); font-size: 0.9rem; }
`;

export const PAGE_SCRIPT = `document.querySelectorAll("form[data-autosubmit]").forEach((form) => form.submit());\n`;

/** The pages' and the console's icon: a key on the accent colour. */
export const PAGE_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0b5cad"/>
<circle cx="11" cy="16" r="5" fill="none" stroke="#fff" stroke-width="3"/><path d="M16 16h11m-4 0v5m4-5v4" stroke="#fff" stroke-width="3" fill="none"/></svg>
`;
