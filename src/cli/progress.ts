/**
 * A spinner on stderr for work that takes over a second, only when stderr is a terminal (scripts and pipes see
 * nothing). Resolves or rejects as the work does.
 */
export async function withSpinner<T>(label: string, work: Promise<T>): Promise<T> {
  if (!process.stderr.isTTY) return work;
  const frames = "|/-\\";
  let frame = 0;
  let shown = false;
  const timer = setInterval(() => {
    shown = true;
    process.stderr.write(`\r${frames[frame++ % frames.length]} ${label}`);
  }, 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
    if (shown) process.stderr.write(`\r${" ".repeat(label.length + 2)}\r`);
  }
}
