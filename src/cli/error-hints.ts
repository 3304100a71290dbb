/** What to try next, by error code: the second half of the CLI's one error line. */
const HINTS: Record<string, string> = {
  Forbidden: "the caller lacks a permission here: an administrator can grant one (keyhold role assignment create, keyhold policy set)",
  Unauthorized: "the token was refused: check AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, or run `keyhold login` again",
  invalid_client: "the client id or secret is wrong or expired (keyhold principal credential add makes a new secret)",
  MissingEnvironment: "run `eval \"$(keyhold dev env)\"`, source the server's dev.env, or run `keyhold login`",
  ConnectionFailed: "is the server running? (`keyhold dev` starts one)",
  VaultNotFound: "`keyhold vault list` shows the vaults; a deleted one is in `vault list-deleted`",
  VaultAlreadyExists: "`keyhold vault list-deleted` shows deleted vaults: `vault recover` or `vault purge` one",
  DeletedVaultNotFound: "`keyhold vault list-deleted` shows the deleted vaults",
  SoftDeletedVaultDoesNotExist: "`keyhold vault list-deleted` shows the deleted vaults",
  MethodNotAllowed: "the vault is purge-protected: recover it (`keyhold vault recover`), or wait for its scheduled purge date",
  SecretNotFound: "`keyhold secret list --vault-name V` shows the secrets; a deleted one is in `secret list-deleted`",
  KeyNotFound: "`keyhold key list --vault-name V` shows the keys; a deleted one is in `key list-deleted`",
  BadParameter: "see the command's --help",
  Conflict: "the name is taken (or soft-deleted: recover or purge it first)",
  InvalidQuery: "the --query expression is not valid JMESPath (jmespath.org)",
};

export function withHint(code: string, message: string): string {
  const hint = HINTS[code];
  const oneLine = message.replace(/\s*\n\s*/g, " ").trim();
  return hint ? `${oneLine} Hint: ${hint}.` : oneLine;
}
