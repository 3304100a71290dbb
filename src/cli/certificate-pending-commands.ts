import type { Command } from "commander";
import { certificateChain } from "./certificate-file.js";
import { newCertificateBody, newCertificateOptions } from "./certificate-options.js";
import { KeyholdClient } from "./keyhold-client.js";
import { print } from "./output.js";
import { CERTIFICATE_OPERATION_TABLE, CERTIFICATE_TABLE } from "./table-views.js";
import { type ObjectTarget, objectPath, objectTarget } from "./vault-object-commands.js";

/**
 * `keyhold certificate pending …`: a certificate whose issuer signs it later (issuer Unknown: a CSR to have signed
 * elsewhere), as `az keyvault certificate pending`.
 */
export function registerCertificatePendingCommands(certificate: Command): void {
  const pending = certificate.command("pending").description("Show, complete (merge), cancel or delete a certificate being issued");
  const call = (o: ObjectTarget, method: string, suffix = "", payload?: unknown) =>
    new KeyholdClient().vaultCall(o.vaultName, method, `${objectPath("certificates", o)}/pending${suffix}`, payload);

  objectTarget(pending.command("show").description("Show the operation: its status and CSR"), "certificates").action(
    async (o: ObjectTarget) => print(await call(o, "GET"), CERTIFICATE_OPERATION_TABLE),
  );

  newCertificateOptions(
    objectTarget(pending.command("merge").description("Complete it with the certificate (chain) signed for its CSR"), "certificates"),
  )
    .requiredOption("-f, --file <file>", "the signed certificate: a PEM chain (leaf first) or one DER certificate")
    .action(async (o: ObjectTarget & { file: string; disabled?: boolean; tags?: string[] }) =>
      print(await call(o, "POST", "/merge", { x5c: certificateChain(o.file), ...newCertificateBody(o) }), CERTIFICATE_TABLE),
    );

  objectTarget(pending.command("cancel").description("Ask the issuer to stop; the operation stays until deleted"), "certificates").action(
    async (o: ObjectTarget) => print(await call(o, "PATCH", "", { cancellation_requested: true }), CERTIFICATE_OPERATION_TABLE),
  );

  objectTarget(pending.command("delete").description("Delete the operation (the pending certificate with it)"), "certificates").action(
    async (o: ObjectTarget) => print(await call(o, "DELETE"), CERTIFICATE_OPERATION_TABLE),
  );
}
