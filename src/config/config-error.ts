/**
 * A config file that cannot be used: its message names the file and the setting and says what to do
 * (`FILE: masterKey.file: /etc/keyhold/master.key is readable by group or others (chmod 600 it)`). Thrown before
 * anything is served or written; the CLI prints it as its one error line.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
