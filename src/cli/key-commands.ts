import { type Command, Option } from "commander";
import { readInputFile, readInputText } from "./input-file.js";
import { jwkFromFile, privateJwkFromPemFile } from "./key-file.js";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean, parsePositiveInteger } from "./options.js";
import { print } from "./output.js";
import { KEY_TABLE, ROTATION_POLICY_TABLE } from "./table-views.js";
import { FROM_STDIN, VISIBLE_WARNING, readSensitiveInput } from "./secret-input.js";
import {
  type CommonAttributes,
  type ObjectTarget,
  attributeOptions,
  attributesBody,
  objectPath,
  objectTarget,
  registerLifecycleCommands,
} from "./vault-object-commands.js";

interface KeyAttributes extends CommonAttributes {
  ops?: string[];
}

/** Bytes given on the command line as base64 (standard or URL-safe), sent as the API's base64url. */
const b64u = (value: string): string => Buffer.from(value, "base64").toString("base64url");

/**
 * A key operation's result with its bytes (value, iv, tag, aad), which the API sends as unpadded base64url, as standard
 * padded base64: what az prints, what `base64 -d` reads, and what the options above take back.
 */
function withStandardBase64(result: unknown): Record<string, unknown> {
  const bytes = new Set(["value", "iv", "tag", "aad"]);
  return Object.fromEntries(
    Object.entries(result as Record<string, unknown>).map(([field, v]) => [
      field,
      bytes.has(field) && typeof v === "string" ? Buffer.from(v, "base64url").toString("base64") : v,
    ]),
  );
}

/** Decrypted bytes as text, for --data-type plaintext: refused, never garbled, when they are not UTF-8. */
function utf8Plaintext(bytes: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new CliError("BadParameter", "the plaintext is not UTF-8 text: print it as base64 (--data-type base64)");
  }
}
const body = (o: KeyAttributes) => ({ ...attributesBody(o), ...(o.ops !== undefined && { key_ops: o.ops }) });
const withOps = (command: Command) =>
  attributeOptions(command).option("--ops <ops...>", "permitted operations: encrypt decrypt sign verify wrapKey unwrapKey");

/** `keyhold key …`, like `az keyvault key …`; JSON answers are the REST API's own shapes. */
export function registerKeyCommands(program: Command): void {
  const key = program.command("key").description("Manage keys and use them (like `az keyvault key`)");
  const client = () => new KeyholdClient();
  const call = (o: ObjectTarget, method: string, suffix = "", payload?: unknown) =>
    client().vaultCall(o.vaultName, method, objectPath("keys", o) + suffix, payload);

  withOps(objectTarget(key.command("create").description("Create a key, or a new version of it"), "keys"))
    .addOption(new Option("--kty <kty>", "key type").choices(["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"]).default("RSA"))
    .option("--size <bits>", "RSA: 2048, 3072, 4096; oct: 128, 192, 256", parsePositiveInteger)
    .addOption(new Option("--curve <curve>", "EC curve").choices(["P-256", "P-256K", "P-384", "P-521"]))
    .option("--disabled", "create the version disabled")
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold key create --vault-name my-vault --name signer --kty EC --curve P-256\n  keyhold key create --vault-name my-vault --name wrapper --kty RSA --size 3072 --ops wrapKey unwrapKey",
    )
    .action(async (o: ObjectTarget & KeyAttributes & { kty: string; size?: number; curve?: string; disabled?: boolean }) => {
      const created = {
        kty: o.kty,
        ...(o.size && { key_size: o.size }),
        ...(o.curve && { crv: o.curve }),
        ...body({ ...o, ...(o.disabled && { enabled: false }) }),
      };
      print(await call(o, "POST", "/create", created), KEY_TABLE);
    });

  withOps(objectTarget(key.command("import").description("Import a private key from a PEM or JWK file, or a BYOK transfer blob"), "keys"))
    .option("--pem-file <file>", "a PEM private key (PKCS#8, PKCS#1 or SEC1)")
    .option("--jwk-file <file>", "a private JWK as JSON")
    .option("--byok-file <file>", "a .byok key transfer blob made for a key-exchange key of the vault (docs/byok.md)")
    .addOption(
      new Option("--kty <type>", "with --byok-file: the type of the key in the blob").choices(["RSA-HSM", "EC-HSM"]).default("RSA-HSM"),
    )
    .option("--hsm", "import as an -HSM key")
    .action(
      async (o: ObjectTarget & KeyAttributes & { pemFile?: string; jwkFile?: string; byokFile?: string; kty: string; hsm?: boolean }) => {
        if ([o.pemFile, o.jwkFile, o.byokFile].filter((file) => file !== undefined).length !== 1)
          throw new CliError("BadParameter", "give exactly one of --pem-file, --jwk-file and --byok-file");
        const jwk = o.byokFile
          ? { kty: o.kty, key_hsm: readInputFile(o.byokFile).toString("base64url") }
          : o.pemFile
            ? privateJwkFromPemFile(o.pemFile)
            : jwkFromFile(o.jwkFile!);
        // On import the permitted operations travel inside the JWK (key_ops), not beside it.
        print(
          await call(o, "PUT", "", {
            key: { ...jwk, ...(o.ops && { key_ops: o.ops }) },
            ...(o.hsm && { hsm: true }),
            ...attributesBody(o),
          }),
          KEY_TABLE,
        );
      },
    );

  objectTarget(key.command("show").description("Show a key (its public part)"), "keys", "version").action(async (o: ObjectTarget) =>
    print(await call(o, "GET"), KEY_TABLE),
  );

  withOps(objectTarget(key.command("update").description("Change a version's attributes (az: set-attributes)"), "keys", "version"))
    .option("--enabled <bool>", "enable or disable the version", parseBoolean)
    .action(async (o: ObjectTarget & KeyAttributes) => print(await call(o, "PATCH", "", body(o)), KEY_TABLE));

  registerLifecycleCommands(key, "keys");

  objectTarget(key.command("rotate").description("Make a new version of the same type and size"), "keys").action(async (o: ObjectTarget) =>
    print(await call(o, "POST", "/rotate"), KEY_TABLE),
  );

  // Operations with an algorithm and bytes: values on the command line are base64.
  const cryptoCommand = (name: string, path: string, description: string) =>
    objectTarget(key.command(name).description(description), "keys", "version").requiredOption(
      "-a, --algorithm <alg>",
      "the algorithm, e.g. RSA-OAEP-256, A256GCM, ES256, A256KW",
    );
  cryptoCommand("encrypt", "encrypt", "Encrypt bytes with a key")
    .requiredOption(
      "--value <base64>",
      `the plaintext, base64 (or text with --data-type plaintext); - reads it from stdin (with --data-type plaintext: its bytes exactly). Note: ${VISIBLE_WARNING}, so prefer -`,
    )
    .addOption(new Option("--data-type <type>", "how --value is given").choices(["base64", "plaintext"]).default("base64"))
    .option("--iv <base64>", "AES-CBC: the IV")
    .option("--aad <base64>", "AES-GCM: additional authenticated data")
    .action(async (o: ObjectTarget & { algorithm: string; value: string; dataType: string; iv?: string; aad?: string }) => {
      // From stdin, plaintext is taken as bytes (not decoded as text), so binary plaintext pipes in unchanged.
      const piped = o.value === FROM_STDIN ? await readSensitiveInput("plaintext", "--value") : null;
      const value =
        o.dataType === "plaintext"
          ? (piped ?? Buffer.from(o.value, "utf8")).toString("base64url")
          : b64u(piped?.toString("utf8") ?? o.value);
      const sealing = { alg: o.algorithm, value, ...(o.iv && { iv: b64u(o.iv) }), ...(o.aad && { aad: b64u(o.aad) }) };
      print(withStandardBase64(await call(o, "POST", "/encrypt", sealing)));
    });
  cryptoCommand("decrypt", "decrypt", "Decrypt bytes with a key")
    .requiredOption("--value <base64>", "the ciphertext, base64")
    .option("--iv <base64>", "AES: the IV")
    .option("--aad <base64>", "AES-GCM: additional authenticated data")
    .option("--tag <base64>", "AES-GCM: the authentication tag")
    .addOption(
      new Option("--data-type <type>", "how to print the plaintext: base64, or plaintext (as UTF-8 text)")
        .choices(["base64", "plaintext"])
        .default("base64"),
    )
    .action(async (o: ObjectTarget & { algorithm: string; value: string; iv?: string; aad?: string; tag?: string; dataType: string }) => {
      const extra = { ...(o.iv && { iv: b64u(o.iv) }), ...(o.aad && { aad: b64u(o.aad) }), ...(o.tag && { tag: b64u(o.tag) }) };
      const result = (await call(o, "POST", "/decrypt", { alg: o.algorithm, value: b64u(o.value), ...extra })) as { value: string };
      const plaintext = Buffer.from(result.value, "base64url");
      print(o.dataType === "plaintext" ? { ...result, value: utf8Plaintext(plaintext) } : withStandardBase64(result));
    });
  // The key to wrap is key material, so it may come from stdin; the wrapped key is not secret, so unwrap keeps --value.
  cryptoCommand("wrap", "wrapkey", "Wrap a key (bytes) with a key")
    .requiredOption("--value <base64>", `the key to wrap, base64; - reads it from stdin. Note: ${VISIBLE_WARNING}, so prefer -`)
    .action(async (o: ObjectTarget & { algorithm: string; value: string }) => {
      const value = o.value === FROM_STDIN ? (await readSensitiveInput("key to wrap (base64)", "--value")).toString("utf8") : o.value;
      print(withStandardBase64(await call(o, "POST", "/wrapkey", { alg: o.algorithm, value: b64u(value) })));
    });
  cryptoCommand("unwrap", "unwrapkey", "Unwrap a wrapped key")
    .requiredOption("--value <base64>", "the wrapped key, base64")
    .action(async (o: ObjectTarget & { algorithm: string; value: string }) =>
      print(withStandardBase64(await call(o, "POST", "/unwrapkey", { alg: o.algorithm, value: b64u(o.value) }))),
    );
  cryptoCommand("sign", "sign", "Sign a digest (already hashed with the algorithm's hash)")
    .requiredOption("--digest <base64>", "the digest, base64")
    .action(async (o: ObjectTarget & { algorithm: string; digest: string }) =>
      print(withStandardBase64(await call(o, "POST", "/sign", { alg: o.algorithm, value: b64u(o.digest) }))),
    );
  cryptoCommand("verify", "verify", "Verify a signature over a digest")
    .requiredOption("--digest <base64>", "the digest, base64")
    .requiredOption("--signature <base64>", "the signature, base64")
    .action(async (o: ObjectTarget & { algorithm: string; digest: string; signature: string }) =>
      print(await call(o, "POST", "/verify", { alg: o.algorithm, digest: b64u(o.digest), value: b64u(o.signature) })),
    );

  const policy = key.command("rotation-policy").description("Show or set a key's rotation policy");
  objectTarget(policy.command("show").description("Show a key's rotation policy"), "keys").action(async (o: ObjectTarget) =>
    print(await call(o, "GET", "/rotationpolicy"), ROTATION_POLICY_TABLE),
  );
  objectTarget(policy.command("update").description("Set a key's rotation policy from JSON (the REST shape)"), "keys")
    .requiredOption("--value <json>", "the policy, as JSON or @FILE")
    .addHelpText(
      "after",
      `\nExample:\n  keyhold key rotation-policy update --vault-name v -n k --value '{"lifetimeActions":[{"trigger":{"timeAfterCreate":"P30D"},"action":{"type":"Rotate"}}],"attributes":{"expiryTime":"P90D"}}'`,
    )
    .action(async (o: ObjectTarget & { value: string }) => {
      const text = o.value.startsWith("@") ? readInputText(o.value.slice(1)) : o.value;
      print(await call(o, "PUT", "/rotationpolicy", JSON.parse(text) as unknown), ROTATION_POLICY_TABLE);
    });

  key
    .command("random")
    .description("Random bytes from the server's CSPRNG (base64)")
    .requiredOption("--vault-name <vault>", "vault name")
    .requiredOption("--count <n>", "how many bytes, 1-128", parsePositiveInteger)
    .action(async (o: { vaultName: string; count: number }) =>
      print(withStandardBase64(await client().vaultCall(o.vaultName, "POST", "/rng", { count: o.count }))),
    );
}
