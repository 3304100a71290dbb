/**
 * What the CLI prints as its one error line, `ERROR: (code) message Hint: …`: every failure becomes one of these
 * before it is printed (see error-line.ts), so that each has a code and a hint can be chosen for it.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For an error answer of the server: its HTTP status and Azure's inner error code. */
    readonly statusCode?: number,
    readonly innerCode?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}
