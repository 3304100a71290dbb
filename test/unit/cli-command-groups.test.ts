import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { commandGroupsFor, commandWordOf } from "../../src/cli/command-groups.js";

/** The top-level commands the groups chosen for `args` register. */
async function registered(args: string[]): Promise<string[]> {
  const program = new Command("keyhold");
  for (const group of commandGroupsFor(args)) (await group.load())(program);
  return program.commands.map((command) => command.name());
}

describe("the CLI's command groups", () => {
  it("find the command word past the global options", () => {
    assert.equal(commandWordOf(["dev", "--data-dir", "x"]), "dev");
    assert.equal(commandWordOf(["-o", "table", "secret", "list"]), "secret");
    assert.equal(commandWordOf(["--output=yaml", "--query", "[0]", "key", "show"]), "key");
    assert.equal(commandWordOf(["-otsv", "--debug", "login"]), "login");
    assert.equal(commandWordOf([]), null);
    assert.equal(commandWordOf(["--help"]), null);
    assert.equal(commandWordOf(["--query", "name"]), null);
  });

  it("load only the group of the command run", async () => {
    assert.deepEqual(await registered(["dev", "--port", "0"]), ["dev", "serve", "bootstrap"]);
    assert.deepEqual(await registered(["-o", "table", "role", "assignment", "list"]), ["policy", "role"]);
    assert.deepEqual(await registered(["status"]), ["login", "logout", "status"]);
  });

  it("load every group for help, an unknown word and completion, and each group defines exactly its words", async () => {
    const all = await registered([]);
    for (const args of [["--help"], ["help", "secret"], ["sceret", "list"], ["completion", "bash"]]) {
      assert.deepEqual(await registered(args), all, args.join(" "));
    }
    const words = commandGroupsFor([]).flatMap((group) => group.words);
    assert.deepEqual(all, words);
    assert.equal(new Set(all).size, all.length);
  });
});
