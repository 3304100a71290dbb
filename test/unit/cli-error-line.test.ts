import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Command } from "commander";
import { CliError } from "../../src/cli/cli-error.js";
import { asCliError, commandPathOf, errorLine, usageErrorLine } from "../../src/cli/error-line.js";
import { hintFor } from "../../src/cli/error-hints.js";
import { networkFailure } from "../../src/cli/network-failure.js";

const HELP = "`keyhold x --help`";
const errno = (code: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, errno: -1, ...extra }) as NodeJS.ErrnoException;

/** The CLI's one error line: a code for every failure, and a hint chosen by what happened rather than by the code. */
describe("the CLI's error line", () => {
  it("chooses the hint of a 403 by Azure's inner code and the message, not by the code alone", () => {
    const forbidden = (message: string, innerCode?: string) => hintFor(new CliError("Forbidden", message, 403, innerCode), HELP) ?? "";
    assert.match(forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled"), /secret update .*--enabled true/);
    assert.match(forbidden("Operation encrypt is not allowed on a disabled key.", "KeyDisabled"), /key update .*--enabled true/);
    assert.match(forbidden("Operation encrypt is not permitted on this key.", "KeyOperationForbidden"), /key_ops.*--ops/);
    assert.match(
      forbidden('Operation "purge" is not allowed because purge protection is enabled for this vault.'),
      /purge-protected.*recover/,
    );
    assert.match(forbidden("Hardware key operation not allowed on standard vault"), /vault update --name V --sku premium/);
    assert.match(forbidden("The caller does not have secrets get permission on key vault 'v'.", "ForbiddenByPolicy"), /keyhold policy set/);
    assert.match(
      forbidden("Caller is not authorized to perform action on resource.", "ForbiddenByRbac"),
      /role assignment create .*--scope \/vaults\/V/,
    );
    assert.match(
      forbidden(
        "Caller is not authorized to perform action 'Keyhold/vaults/read': it needs a role … at the server scope '/'.",
        "ForbiddenByRbac",
      ),
      /Keyhold Administrator/,
    );
    for (const hint of [
      forbidden("Operation get is not allowed on a disabled secret.", "SecretDisabled"),
      forbidden("Operation encrypt is not permitted on this key.", "KeyOperationForbidden"),
      forbidden('Operation "purge" is not allowed because purge protection is enabled for this vault.'),
      forbidden("Hardware key operation not allowed on standard vault"),
    ]) {
      assert.doesNotMatch(hint, /administrator|role assignment create|policy set/, hint);
    }
    const roleInUse = hintFor(new CliError("Conflict", "The role 'r1' is assigned; delete its assignments first.", 409), HELP);
    assert.match(roleInUse ?? "", /role assignment list/);
    assert.match(
      hintFor(new CliError("Conflict", "Secret s is currently in a deleted but recoverable state, and …", 409), HELP) ?? "",
      /recover.*purge/,
    );
  });

  it("gives each network failure its own code: refused, DNS, timeout, TLS trust, expired, wrong name, not TLS", () => {
    const url = "https://keyhold.example:8443/keyhold/vaults";
    const codeOf = (code: string, message = code) => networkFailure(errno(code, message), url).code;
    assert.equal(codeOf("ECONNREFUSED"), "ConnectionRefused");
    assert.equal(codeOf("ENOTFOUND"), "HostNotFound");
    assert.equal(codeOf("EAI_AGAIN"), "HostNotFound");
    assert.equal(codeOf("ETIMEDOUT"), "ConnectionTimedOut");
    for (const code of [
      "SELF_SIGNED_CERT_IN_CHAIN",
      "DEPTH_ZERO_SELF_SIGNED_CERT",
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    ]) {
      assert.equal(codeOf(code), "TlsUntrusted", code);
    }
    assert.equal(codeOf("CERT_HAS_EXPIRED"), "TlsCertificateExpired");
    assert.equal(codeOf("ERR_TLS_CERT_ALTNAME_INVALID"), "TlsHostnameMismatch");
    const plainHttp = networkFailure(
      errno("EPROTO", "write EPROTO 80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:\n"),
      url,
    );
    assert.equal(plainHttp.message, "no TLS handshake with https://keyhold.example:8443 (wrong version number)");
    const untrusted = errorLine(
      networkFailure(errno("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"), url),
      [],
    );
    assert.match(untrusted, /^ERROR: \(TlsUntrusted\) .* Hint: .*NODE_EXTRA_CA_CERTS=.*keyhold login --ca/);
    assert.doesNotMatch(untrusted, /server running/);
    assert.match(errorLine(networkFailure(errno("ECONNREFUSED", "connect ECONNREFUSED"), url), []), /Hint: is the server running/);
  });

  it("maps file-system errors to a code and a message naming the path", () => {
    const line = (error: Error) => errorLine(error, ["secret", "set"]);
    assert.match(
      line(errno("ENOENT", "ENOENT: no such file", { path: "in.txt", syscall: "open" })),
      /^ERROR: \(FileNotFound\) in\.txt does not exist Hint: /,
    );
    assert.match(line(errno("EEXIST", "EEXIST: file already exists", { path: "out.env" })), /^ERROR: \(FileExists\) out\.env exists/);
    assert.match(
      line(errno("EACCES", "EACCES: permission denied", { path: "/root/x" })),
      /^ERROR: \(FileAccessDenied\) permission denied on \/root\/x/,
    );
    assert.match(
      line(errno("EISDIR", "EISDIR: illegal operation on a directory", { path: "/tmp" })),
      /^ERROR: \(NotAFile\) \/tmp is a directory/,
    );
    assert.match(
      line(errno("EADDRINUSE", "listen EADDRINUSE", { address: "127.0.0.1", port: 8443 })),
      /^ERROR: \(AddressInUse\) 127\.0\.0\.1:8443 /,
    );
  });

  it("gives an unforeseen error a code and the way to its stack, and never quotes the text of bad JSON", () => {
    assert.equal(
      errorLine(new TypeError("x is not a function"), []),
      "ERROR: (InternalError) TypeError: x is not a function " +
        "Hint: this is a bug in Keyhold: run the command again with --debug for the stack, and report it.\n",
    );
    let syntax: unknown;
    try {
      JSON.parse('{"d": "s3cr3t-key-material');
    } catch (error) {
      syntax = error;
    }
    const bad = asCliError(syntax);
    assert.equal(bad.code, "BadParameter");
    assert.doesNotMatch(bad.message, /s3cr3t/);
    let quoted: unknown;
    try {
      JSON.parse("s3cr3t");
    } catch (error) {
      quoted = error;
    }
    assert.doesNotMatch(errorLine(quoted, ["role", "definition", "create"]), /3cr3t/);
    const seed = Object.assign(new Error("seed vaults[0].secrets.s: unknown placeholder"), { name: "SeedError" });
    assert.match(errorLine(seed, ["dev"]), /^ERROR: \(SeedInvalid\) seed vaults\[0\]/);
    assert.equal(errorLine(new CliError("Anything", "two\n  lines"), []), "ERROR: (Anything) two lines\n");
  });

  it("points a usage error at the help of the command it was meant for", () => {
    const program = new Command("keyhold").option("-o, --output <format>").option("--debug");
    program.command("secret").command("show").option("--vault-name <vault>");
    assert.deepEqual(commandPathOf(program, ["-o", "table", "secret", "show", "--vault-name", "secret"]), ["secret", "show"]);
    assert.equal(
      usageErrorLine("error: unknown option '--bogus'\n", ["secret", "show"]),
      "ERROR: (BadArgument) unknown option '--bogus' Hint: `keyhold secret show --help` shows the options and examples.\n",
    );
    assert.match(usageErrorLine("error: unknown command 'frob'", ["secret"]), /Hint: `keyhold secret --help` lists the commands\.$/m);
  });
});
