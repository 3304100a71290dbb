import { type Command, Option } from "commander";
import { certificateFile, importedContent } from "./certificate-file.js";
import { registerCertificatePendingCommands } from "./certificate-pending-commands.js";
import { newCertificateBody, newCertificateOptions, passwordOption } from "./certificate-options.js";
import { DEFAULT_POLICY, readPolicyOption, restPolicy, withPolicyDefaults } from "./certificate-policy.js";
import { registerCertificateVaultCommands } from "./certificate-vault-commands.js";
import { CliError } from "./cli-error.js";
import { KeyholdClient } from "./keyhold-client.js";
import { parseBoolean, parsePositiveInteger } from "./options.js";
import { print } from "./output.js";
import { writeOutputFile } from "./output-file.js";
import { VISIBLE_WARNING } from "./secret-input.js";
import { CERTIFICATE_OPERATION_TABLE, CERTIFICATE_POLICY_TABLE, CERTIFICATE_TABLE } from "./table-views.js";
import { type ObjectTarget, attributesBody, objectPath, objectTarget, registerLifecycleCommands } from "./vault-object-commands.js";

interface NewCertificateOptions {
  policy?: string;
  disabled?: boolean;
  tags?: string[];
}

const certificatePath = (o: ObjectTarget) => objectPath("certificates", o);

/** `--policy` in the REST shape; none given is an empty policy (the server's defaults, or the stored one's fields). */
const givenPolicy = (o: { policy?: string }) => (o.policy === undefined ? {} : restPolicy(readPolicyOption(o.policy)));

/** Options of a new certificate or version (create, import): its policy, whether it starts disabled, its tags. */
const withPolicy = (command: Command, policyHelp: string) =>
  newCertificateOptions(command).option(
    "-p, --policy <json>",
    `${policyHelp}: JSON or @FILE, in az's shape (get-default-policy) or the REST API's`,
  );

/** `keyhold certificate …`, like `az keyvault certificate …`; JSON answers are the REST API's own shapes. */
export function registerCertificateCommands(program: Command): void {
  const certificate = program.command("certificate").description("Manage certificates in a vault (like `az keyvault certificate`)");
  const client = () => new KeyholdClient();
  const call = (o: ObjectTarget, method: string, suffix = "", payload?: unknown) =>
    client().vaultCall(o.vaultName, method, certificatePath(o) + suffix, payload);

  /** The policy a certificate has now, or undefined when there is no such certificate. */
  const storedPolicy = async (o: ObjectTarget): Promise<unknown> => {
    try {
      return await call({ vaultName: o.vaultName, name: o.name }, "GET", "/policy");
    } catch (error) {
      if (error instanceof CliError && error.statusCode === 404) return undefined;
      throw error;
    }
  };

  // Keyhold issues Self and Keyhold-CA certificates at once: the operation a create answers (in progress, as Azure's
  // always is) is read again once, and is then completed; an Unknown-issuer certificate's stays in progress (its CSR).
  withPolicy(
    objectTarget(certificate.command("create").description("Create a certificate, or a new version of it"), "certificates"),
    "its policy (default: a new version's is the certificate's, a new certificate's get-default-policy's)",
  )
    .option("--validity <months>", "how many months the certificate is valid (replaces the policy's)", parsePositiveInteger)
    .action(async (o: ObjectTarget & NewCertificateOptions & { validity?: number }) => {
      const given = o.policy === undefined ? ((await storedPolicy(o)) ?? DEFAULT_POLICY) : readPolicyOption(o.policy);
      const policy = withPolicyDefaults(restPolicy(given), o);
      await call(o, "POST", "/create", { policy, ...newCertificateBody(o) });
      print(await call(o, "GET", "/pending"), CERTIFICATE_OPERATION_TABLE);
    });

  withPolicy(
    objectTarget(certificate.command("import").description("Import a certificate with its private key (PFX or PEM)"), "certificates"),
    "its policy (by default the server's, with the file's content type)",
  )
    .requiredOption("-f, --file <file>", "a PFX (PKCS#12) file, or a PEM file with the certificate(s) and the private key")
    .option("--password <password>", `the PFX's password; - reads it from stdin. Note: ${VISIBLE_WARNING}, so prefer -`)
    .action(async (o: ObjectTarget & NewCertificateOptions & { file: string; password?: string }) => {
      const { value, contentType } = importedContent(o.file);
      const pwd = await passwordOption(o.password, "PFX password");
      const policy = withPolicyDefaults(givenPolicy(o), { contentType });
      print(
        await call(o, "POST", "/import", { value, ...(pwd !== undefined && { pwd }), policy, ...newCertificateBody(o) }),
        CERTIFICATE_TABLE,
      );
    });

  objectTarget(
    certificate.command("show").description("Show a certificate (its public part, policy and attributes)"),
    "certificates",
    "version",
  ).action(async (o: ObjectTarget) => print(await call(o, "GET"), CERTIFICATE_TABLE));

  objectTarget(certificate.command("download").description("Write the public certificate to a file"), "certificates", "version")
    .requiredOption("-f, --file <file>", "where to write it")
    .addOption(new Option("-e, --encoding <encoding>", "the file's encoding").choices(["PEM", "DER"]).default("PEM"))
    .option("--overwrite", "replace the file if it exists (by default an existing file is refused)")
    .action(async (o: ObjectTarget & { file: string; encoding: "PEM" | "DER"; overwrite?: boolean }) => {
      const { cer } = (await call(o, "GET")) as { cer: string };
      writeOutputFile(o.file, certificateFile(cer, o.encoding), o.overwrite);
    });

  objectTarget(
    certificate.command("set-attributes").description("Change a version's attributes, tags or the policy"),
    "certificates",
    "version",
  )
    .option("--enabled <bool>", "enable or disable the version", parseBoolean)
    .option("--tags <tags...>", "space-separated KEY=VALUE tags")
    .option("-p, --policy <json>", "changes to the policy: JSON or @FILE, in az's shape or the REST API's")
    .action(async (o: ObjectTarget & { enabled?: boolean; tags?: string[]; policy?: string }) => {
      // The policy belongs to the certificate, not to one version: it has its own endpoint.
      if (o.policy !== undefined) await call({ vaultName: o.vaultName, name: o.name }, "PATCH", "/policy", givenPolicy(o));
      print(await call(o, "PATCH", "", attributesBody(o)), CERTIFICATE_TABLE);
    });

  certificate
    .command("get-default-policy")
    .description("Print the default policy (az's), to edit and give to `create --policy`")
    .action(() => print(DEFAULT_POLICY, CERTIFICATE_POLICY_TABLE));

  registerLifecycleCommands(certificate, "certificates");
  registerCertificatePendingCommands(certificate);
  registerCertificateVaultCommands(certificate);
}
