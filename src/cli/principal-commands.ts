import type { Command } from "commander";
import { readInputText } from "./input-file.js";
import { KeyholdClient } from "./keyhold-client.js";
import { CliError } from "./cli-error.js";
import { parsePositiveInteger } from "./options.js";
import { print } from "./output.js";
import { CREDENTIAL_TABLE, PRINCIPAL_TABLE } from "./table-views.js";

const principalPath = (id: string): string => `/keyhold/principals/${encodeURIComponent(id)}`;
const DAY = 86_400;

/** `keyhold principal …` (like `az ad sp`) and `keyhold identity …` (like `az identity`). */
export function registerPrincipalCommands(program: Command): void {
  const principal = program.command("principal").description("Manage service principals (like `az ad sp`)");

  principal
    .command("create")
    .description("Create a service principal; its client secret is printed once")
    .requiredOption("--name <name>", "display name")
    .option("--secret-lifetime-days <days>", "the first client secret expires after this many days (default: never)", parsePositiveInteger)
    .option(
      "--public-client",
      "register a public client instead: a client id through which users sign in (InteractiveBrowserCredential, DeviceCodeCredential, with loopback redirects); no secret",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold principal create --name ci-deployer   # prints clientId, clientSecret, tenantId\n" +
        "  keyhold principal create --name my-cli-tool --public-client   # prints the clientId users sign in through",
    )
    .action(async (o: { name: string; secretLifetimeDays?: number; publicClient?: boolean }) => {
      if (o.publicClient && o.secretLifetimeDays)
        throw new CliError("BadArgument", "--public-client has no secret: drop --secret-lifetime-days");
      const body = {
        displayName: o.name,
        type: o.publicClient ? "publicClient" : "servicePrincipal",
        ...(o.secretLifetimeDays && { lifetimeSeconds: o.secretLifetimeDays * DAY }),
      };
      print(await new KeyholdClient().call("POST", "/keyhold/principals", body));
    });

  principal
    .command("list")
    .description("List principals: service principals, managed identities and users")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/principals"), PRINCIPAL_TABLE));

  principal
    .command("show")
    .description("Show a principal and its credentials (never their secrets)")
    .requiredOption("--id <id>", "client (object) id")
    .action(async (o: { id: string }) => print(await new KeyholdClient().call("GET", principalPath(o.id)), PRINCIPAL_TABLE));

  principal
    .command("delete")
    .description("Delete a principal, its credentials and its grants; its tokens stop working at once")
    .requiredOption("--id <id>", "client (object) id")
    .action(async (o: { id: string }) => {
      await new KeyholdClient().call("DELETE", principalPath(o.id));
    });

  const credential = principal.command("credential").description("Manage a service principal's client secrets and certificates");

  credential
    .command("add")
    .description("Add a client secret (printed once) or, with --cert, a certificate; existing credentials keep working")
    .requiredOption("--id <id>", "client (object) id")
    .option("--cert <file>", "a PEM certificate whose private key the client signs assertions with")
    .option("--lifetime-days <days>", "the new client secret expires after this many days", parsePositiveInteger)
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold principal credential add --id $ID --lifetime-days 90\n  keyhold principal credential add --id $ID --cert client.pem",
    )
    .action(async (o: { id: string; cert?: string; lifetimeDays?: number }) => {
      const body = o.cert
        ? { type: "certificate", certificate: readInputText(o.cert) }
        : { type: "clientSecret", ...(o.lifetimeDays && { lifetimeSeconds: o.lifetimeDays * DAY }) };
      print(await new KeyholdClient().call("POST", `${principalPath(o.id)}/credentials`, body));
    });

  credential
    .command("list")
    .description("List a principal's credentials (ids, types, expiry)")
    .requiredOption("--id <id>", "client (object) id")
    .action(async (o: { id: string }) => {
      const shown = (await new KeyholdClient().call("GET", principalPath(o.id))) as { credentials: unknown[] };
      print(shown.credentials, CREDENTIAL_TABLE);
    });

  credential
    .command("delete")
    .description("Remove one credential; tokens issued for it stop working at once")
    .requiredOption("--id <id>", "client (object) id")
    .requiredOption("--credential-id <credentialId>", "the credential's id (see `credential list`)")
    .action(async (o: { id: string; credentialId: string }) => {
      await new KeyholdClient().call("DELETE", `${principalPath(o.id)}/credentials/${encodeURIComponent(o.credentialId)}`);
    });

  const identity = program.command("identity").description("Manage managed identities (like `az identity`)");

  identity
    .command("create")
    .description("Create a managed identity; its IDENTITY_HEADER is printed once")
    .requiredOption("--name <name>", "display name")
    .addHelpText(
      "after",
      "\nExample:\n  keyhold identity create --name web-app   # then IDENTITY_ENDPOINT=<server>/msi/token IDENTITY_HEADER=<identityHeader>",
    )
    .action(async (o: { name: string }) => {
      print(await new KeyholdClient().call("POST", "/keyhold/principals", { displayName: o.name, type: "managedIdentity" }));
    });

  identity
    .command("list")
    .description("List managed identities")
    .action(async () => {
      const all = (await new KeyholdClient().call("GET", "/keyhold/principals")) as { type: string }[];
      print(
        all.filter((p) => p.type === "managedIdentity"),
        PRINCIPAL_TABLE,
      );
    });

  identity
    .command("delete")
    .description("Delete a managed identity and its grants")
    .requiredOption("--id <id>", "the identity's id")
    .action(async (o: { id: string }) => {
      await new KeyholdClient().call("DELETE", principalPath(o.id));
    });
}
