import type { Command } from "commander";
import { CERTIFICATE_EXAMPLES } from "./certificate-examples.js";

/**
 * Examples for the commands whose own definition gives none, by command path; `addExamples` puts them under
 * every such command's --help. (Commands with richer help carry their examples where they are defined.) A group
 * (`keyhold secret --help`) shows the commands most often used together; "" is `keyhold --help`.
 */
const EXAMPLES: Record<string, string[]> = {
  "": [
    "keyhold dev",
    'eval "$(keyhold dev env)"',
    "keyhold vault create --name my-vault",
    'printf %s "$DB_PASSWORD" | keyhold secret set --vault-name my-vault -n db-password --value -',
    "keyhold run --vault-name my-vault --secret db-password -- ./app",
  ],
  vault: [
    "keyhold vault create --name my-vault",
    "keyhold vault list -o table",
    "keyhold vault show --name my-vault",
    "keyhold vault delete --name my-vault --yes",
  ],
  secret: [
    'printf %s "$DB_PASSWORD" | keyhold secret set --vault-name my-vault -n db-password --value -',
    "keyhold secret show --vault-name my-vault -n db-password --query value -o tsv",
    "keyhold secret show --id https://my-vault.vault.azure.net/secrets/db-password",
    "keyhold secret list --vault-name my-vault -o table",
    "keyhold secret export --vault-name my-vault > .env",
  ],
  key: [
    "keyhold key create --vault-name my-vault -n signer --kty EC --curve P-256",
    "keyhold key sign --vault-name my-vault -n signer -a ES256 --digest $(printf data | openssl dgst -sha256 -binary | base64)",
    "keyhold key encrypt --vault-name my-vault -n aes -a A256GCM --value hello --data-type plaintext",
    "keyhold key decrypt --id $KID -a A256GCM --value $CT --iv $IV --tag $TAG --data-type plaintext --query value -o tsv",
  ],
  "key rotation-policy": [
    "keyhold key rotation-policy show --vault-name my-vault -n signer",
    "keyhold key rotation-policy update --vault-name my-vault -n signer --value @policy.json",
  ],
  principal: [
    "keyhold principal create --name ci-deployer",
    "keyhold principal list -o table",
    "keyhold principal credential add --id $ID --lifetime-days 90",
  ],
  "principal credential": [
    "keyhold principal credential add --id $ID --lifetime-days 90",
    "keyhold principal credential add --id $ID --cert client.pem",
    "keyhold principal credential list --id $ID -o table",
  ],
  identity: ["keyhold identity create --name web-app", "keyhold identity list -o table", "keyhold identity delete --id $ID"],
  policy: [
    "keyhold policy set --vault-name my-vault --spn $ID --secret-permissions get list",
    "keyhold policy list --vault-name my-vault -o table",
    "keyhold policy delete --vault-name my-vault --spn $ID",
  ],
  role: [
    "keyhold role assignment create --role 'Key Vault Secrets User' --assignee $ID --scope /vaults/my-vault",
    "keyhold role assignment list --assignee $ID -o table",
    'keyhold role definition list --query "[].roleName"',
  ],
  "role assignment": [
    "keyhold role assignment create --role 'Key Vault Secrets User' --assignee $ID --scope /vaults/my-vault",
    "keyhold role assignment create --role 'Key Vault Crypto User' --assignee $ID --scope /vaults/my-vault/keys/signer",
    "keyhold role assignment list --assignee $ID -o table",
  ],
  "role definition": [
    'keyhold role definition list --query "[].roleName"',
    "keyhold role definition create --role-definition @role.json",
    "keyhold role definition delete --name 'Secret Reader'",
  ],
  "master-key": ["keyhold master-key rotate --new-key-file new-master.key", "keyhold master-key status"],
  "vault list": ["keyhold vault list -o table", "keyhold vault list --query '[].name'"],
  "vault show": ["keyhold vault show --name my-vault --query properties.accessPolicies"],
  "vault delete": ["keyhold vault delete --name old-vault", "keyhold vault delete --name old-vault --yes"],
  "secret show": [
    "keyhold secret show --vault-name my-vault -n db-password --query value -o tsv",
    "keyhold secret show --id https://my-vault.vault.azure.net/secrets/db-password/$VERSION",
  ],
  "secret list": ["keyhold secret list --vault-name my-vault -o table"],
  "secret list-versions": ["keyhold secret list-versions --vault-name my-vault -n db-password"],
  "secret update": [
    "keyhold secret update --vault-name my-vault -n db-password --enabled false",
    "keyhold secret update --vault-name my-vault -n api-key --expires 2027-01-31T00:00:00Z --tags env=prod",
  ],
  "secret delete": ["keyhold secret delete --vault-name my-vault -n db-password"],
  "secret recover": ["keyhold secret recover --vault-name my-vault -n db-password"],
  "secret purge": [
    "keyhold secret purge --vault-name my-vault -n db-password",
    "keyhold secret purge --id https://my-vault.vault.azure.net/deletedsecrets/db-password",
  ],
  "secret list-deleted": ["keyhold secret list-deleted --vault-name my-vault -o table"],
  "secret show-deleted": ["keyhold secret show-deleted --vault-name my-vault -n db-password"],
  "secret backup": ["keyhold secret backup --vault-name my-vault -n db-password --file db-password.backup"],
  "secret restore": ["keyhold secret restore --vault-name my-vault --file db-password.backup"],
  "secret export": [
    "keyhold secret export --vault-name my-vault > .env",
    "keyhold secret export --vault-name my-vault --format json --file secrets.json",
  ],
  "secret download": ["keyhold secret download --vault-name my-vault -n tls-pfx --file cert.pfx --encoding base64"],
  "key import": ["keyhold key import --vault-name my-vault -n imported --pem-file key.pem --ops sign verify"],
  "key show": ["keyhold key show --vault-name my-vault -n signer --query key"],
  "key list": ["keyhold key list --vault-name my-vault -o table"],
  "key list-versions": ["keyhold key list-versions --vault-name my-vault -n signer"],
  "key update": [
    "keyhold key update --vault-name my-vault -n signer --ops verify",
    "keyhold key update --vault-name my-vault -n signer --enabled false",
  ],
  "key delete": ["keyhold key delete --vault-name my-vault -n signer"],
  "key recover": ["keyhold key recover --vault-name my-vault -n signer"],
  "key purge": ["keyhold key purge --vault-name my-vault -n signer"],
  "key list-deleted": ["keyhold key list-deleted --vault-name my-vault"],
  "key show-deleted": ["keyhold key show-deleted --vault-name my-vault -n signer"],
  "key backup": ["keyhold key backup --vault-name my-vault -n signer --file signer.backup"],
  "key restore": ["keyhold key restore --vault-name my-vault --file signer.backup"],
  "key rotate": ["keyhold key rotate --vault-name my-vault -n signer"],
  "key encrypt": ["keyhold key encrypt --vault-name my-vault -n aes -a A256GCM --value - --data-type plaintext < plain.txt"],
  "key decrypt": [
    "keyhold key decrypt --vault-name my-vault -n aes -a A256GCM --value $CT --iv $IV --tag $TAG --query value -o tsv | base64 -d",
    "keyhold key decrypt --id $KID -a A256GCM --value $CT --iv $IV --tag $TAG --data-type plaintext --query value -o tsv",
  ],
  "key wrap": ["openssl rand -base64 32 | keyhold key wrap --vault-name my-vault -n kek -a RSA-OAEP-256 --value -"],
  "key unwrap": ["keyhold key unwrap --vault-name my-vault -n kek -a RSA-OAEP-256 --value $WRAPPED"],
  "key sign": ["keyhold key sign --vault-name my-vault -n signer -a ES256 --digest $(printf data | openssl dgst -sha256 -binary | base64)"],
  "key verify": ["keyhold key verify --vault-name my-vault -n signer -a ES256 --digest $DIGEST --signature $SIG --query value"],
  "key rotation-policy show": ["keyhold key rotation-policy show --vault-name my-vault -n signer"],
  "key random": ["keyhold key random --vault-name my-vault --count 32 --query value -o tsv"],
  logout: ["keyhold logout"],
  status: ["keyhold status", "keyhold status --query principalId -o tsv"],
  "user mfa": [
    "keyhold user mfa enable alice@example.org   # prints the otpauth:// URI once",
    "keyhold user mfa disable alice@example.org",
  ],
  "principal list": ["keyhold principal list -o table"],
  "principal show": ["keyhold principal show --id $ID --query credentials"],
  "principal delete": ["keyhold principal delete --id $ID"],
  "principal credential list": ["keyhold principal credential list --id $ID -o table"],
  "principal credential delete": ["keyhold principal credential delete --id $ID --credential-id $CREDENTIAL_ID"],
  "identity list": ["keyhold identity list -o table"],
  "identity delete": ["keyhold identity delete --id $ID"],
  "policy delete": ["keyhold policy delete --vault-name my-vault --spn $ID"],
  "policy list": ["keyhold policy list --vault-name my-vault -o table"],
  "role assignment list": ["keyhold role assignment list --assignee $ID -o table"],
  "role assignment delete": ["keyhold role assignment delete --id $ASSIGNMENT"],
  "role definition list": ['keyhold role definition list --query "[].roleName"'],
  "role definition delete": ["keyhold role definition delete --name 'Secret Reader'"],
  ...CERTIFICATE_EXAMPLES,
};

/** Adds the table's examples to each command of the tree that has an entry. */
export function addExamples(command: Command, path: string[] = []): void {
  const examples = EXAMPLES[path.join(" ")];
  if (examples) command.addHelpText("after", `\nExample${examples.length > 1 ? "s" : ""}:\n${examples.map((e) => `  ${e}`).join("\n")}`);
  for (const sub of command.commands) addExamples(sub, [...path, sub.name()]);
}
