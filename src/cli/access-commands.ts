import type { Command } from "commander";
import { readInputText } from "./input-file.js";
import { KeyholdClient } from "./keyhold-client.js";
import { type TableView, print, tableViewShown } from "./output.js";
import { PRINCIPAL_REFERENCE, principalIdOf } from "./principal-reference.js";
import { ACCESS_POLICY_TABLE, ROLE_DEFINITION_TABLE, roleAssignmentTable } from "./table-views.js";

type Permissions = Record<"keys" | "secrets" | "certificates", string[]>;
const policyPath = (vault: string, principal?: string): string =>
  `/keyhold/vaults/${encodeURIComponent(vault)}/accessPolicies${principal ? `/${encodeURIComponent(principal)}` : ""}`;

/**
 * The table of role assignments, with principals' display names when it is shown: ids are all the assignments
 * carry. A caller who may read assignments but not principals gets the table with ids.
 */
async function assignmentTable(client: KeyholdClient): Promise<TableView | undefined> {
  if (!tableViewShown()) return undefined;
  const principals = await client.call("GET", "/keyhold/principals").catch(() => []);
  return roleAssignmentTable(
    new Map((principals as { id: string; displayName: string }[]).map((p) => [p.id.toLowerCase(), p.displayName])),
  );
}

/** `keyhold policy …` (like `az keyvault set-policy`) and `keyhold role …` (like `az role`). */
export function registerAccessCommands(program: Command): void {
  const policy = program.command("policy").description("Manage a vault's access policies (vaults with --enable-rbac-authorization false)");

  policy
    .command("set")
    .description("Set a principal's permissions on a vault; categories not given keep their permissions")
    .requiredOption("--vault-name <name>", "vault name")
    .requiredOption("--spn <idOrUserName>", PRINCIPAL_REFERENCE)
    .option("--secret-permissions <permissions...>", "get list set delete recover backup restore purge, or all")
    .option(
      "--key-permissions <permissions...>",
      "get list update create import delete recover backup restore decrypt encrypt unwrapKey wrapKey verify sign purge release rotate getrotationpolicy setrotationpolicy, or all",
    )
    .option(
      "--certificate-permissions <permissions...>",
      "get list update create import delete recover backup restore managecontacts manageissuers getissuers listissuers setissuers deleteissuers purge, or all",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  keyhold policy set --vault-name my-vault --spn $ID --secret-permissions get list\n" +
        "  keyhold policy set --vault-name my-vault --spn alice@example.org --secret-permissions all",
    )
    .action(
      async (o: {
        vaultName: string;
        spn: string;
        secretPermissions?: string[];
        keyPermissions?: string[];
        certificatePermissions?: string[];
      }) => {
        const client = new KeyholdClient();
        const principalId = await principalIdOf(client, o.spn);
        const existing = (await client.call("GET", policyPath(o.vaultName))) as { objectId: string; permissions: Permissions }[];
        const current = existing.find((p) => p.objectId.toLowerCase() === principalId.toLowerCase())?.permissions ?? {
          keys: [],
          secrets: [],
          certificates: [],
        };
        const permissions: Permissions = {
          keys: o.keyPermissions ?? current.keys,
          secrets: o.secretPermissions ?? current.secrets,
          certificates: o.certificatePermissions ?? current.certificates,
        };
        print(await client.call("PUT", policyPath(o.vaultName, principalId), { permissions }), ACCESS_POLICY_TABLE);
      },
    );

  policy
    .command("delete")
    .description("Remove a principal's access policy from a vault")
    .requiredOption("--vault-name <name>", "vault name")
    .requiredOption("--spn <idOrUserName>", PRINCIPAL_REFERENCE)
    .action(async (o: { vaultName: string; spn: string }) => {
      const client = new KeyholdClient();
      await client.call("DELETE", policyPath(o.vaultName, await principalIdOf(client, o.spn)));
    });

  policy
    .command("list")
    .description("List a vault's access policies")
    .requiredOption("--vault-name <name>", "vault name")
    .action(async (o: { vaultName: string }) => print(await new KeyholdClient().call("GET", policyPath(o.vaultName)), ACCESS_POLICY_TABLE));

  const role = program.command("role").description("Manage role assignments and role definitions (vaults with RBAC, the default)");
  const assignment = role.command("assignment").description("Grant roles to principals at a scope");

  assignment
    .command("create")
    .description("Assign a role to a principal at a scope: '/', '/vaults/V' or '/vaults/V/{secrets|keys|certificates}/NAME'")
    .requiredOption("--role <role>", 'a role name or id, e.g. "Key Vault Secrets User"')
    .requiredOption("--assignee <idOrUserName>", PRINCIPAL_REFERENCE)
    .option("--scope <scope>", "where the role applies", "/")
    .addHelpText(
      "after",
      "\nExamples:\n" +
        '  keyhold role assignment create --role "Key Vault Secrets User" --assignee $ID --scope /vaults/my-vault/secrets/db-password\n' +
        '  keyhold role assignment create --role "Key Vault Secrets Officer" --assignee alice@example.org --scope /vaults/my-vault',
    )
    .action(async (o: { role: string; assignee: string; scope: string }) => {
      const client = new KeyholdClient();
      const principalId = await principalIdOf(client, o.assignee);
      print(
        await client.call("POST", "/keyhold/roleAssignments", { principalId, role: o.role, scope: o.scope }),
        await assignmentTable(client),
      );
    });

  assignment
    .command("list")
    .description("List role assignments, all or one principal's")
    .option("--assignee <idOrUserName>", `only this principal's: ${PRINCIPAL_REFERENCE}`)
    .action(async (o: { assignee?: string }) => {
      const client = new KeyholdClient();
      const query = o.assignee ? `?principalId=${encodeURIComponent(await principalIdOf(client, o.assignee))}` : "";
      print(await client.call("GET", `/keyhold/roleAssignments${query}`), await assignmentTable(client));
    });

  assignment
    .command("delete")
    .description("Remove a role assignment")
    .requiredOption("--id <id>", "the assignment's name (id)")
    .action(async (o: { id: string }) => {
      const client = new KeyholdClient();
      print(await client.call("DELETE", `/keyhold/roleAssignments/${encodeURIComponent(o.id)}`), await assignmentTable(client));
    });

  const definition = role.command("definition").description("List the built-in roles; create and delete custom roles");

  definition
    .command("list")
    .description("List role definitions, built-in and custom")
    .action(async () => print(await new KeyholdClient().call("GET", "/keyhold/roleDefinitions"), ROLE_DEFINITION_TABLE));

  definition
    .command("create")
    .description("Create a custom role from JSON: {roleName, description, permissions: {actions, dataActions, notDataActions}}")
    .requiredOption("--role-definition <json>", "the definition, as JSON or @FILE")
    .addHelpText(
      "after",
      `\nExample:\n  keyhold role definition create --role-definition '{"roleName":"Secret Reader","permissions":{"dataActions":["Microsoft.KeyVault/vaults/secrets/getSecret/action"]}}'`,
    )
    .action(async (o: { roleDefinition: string }) => {
      const text = o.roleDefinition.startsWith("@") ? readInputText(o.roleDefinition.slice(1)) : o.roleDefinition;
      print(await new KeyholdClient().call("POST", "/keyhold/roleDefinitions", JSON.parse(text) as unknown), ROLE_DEFINITION_TABLE);
    });

  definition
    .command("delete")
    .description("Delete a custom role that nothing is assigned")
    .requiredOption("--name <name>", "the role's name or id")
    .action(async (o: { name: string }) =>
      print(await new KeyholdClient().call("DELETE", `/keyhold/roleDefinitions/${encodeURIComponent(o.name)}`), ROLE_DEFINITION_TABLE),
    );
}
