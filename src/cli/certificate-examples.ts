/** The examples under each `keyhold certificate …` command's --help, by command path (see examples.ts). */
export const CERTIFICATE_EXAMPLES: Record<string, string[]> = {
  certificate: [
    "keyhold certificate create --vault-name my-vault -n web-tls --policy @policy.json",
    "keyhold certificate list --vault-name my-vault -o table",
    "keyhold certificate download --vault-name my-vault -n web-tls --file web-tls.pem",
    "keyhold secret download --vault-name my-vault -n web-tls --file web-tls.pfx --encoding base64   # with its key",
    "keyhold certificate import --vault-name my-vault -n legacy --file legacy.pfx --password -",
  ],
  "certificate create": [
    "keyhold certificate get-default-policy > policy.json   # edit subject, SANs, key, validity",
    "keyhold certificate create --vault-name my-vault -n web-tls --policy @policy.json",
    "keyhold certificate create --vault-name my-vault -n scratch --validity 3",
  ],
  "certificate import": [
    "keyhold certificate import --vault-name my-vault -n legacy --file legacy.pfx --password -",
    "keyhold certificate import --vault-name my-vault -n web-tls --file cert-and-key.pem",
  ],
  "certificate show": [
    "keyhold certificate show --vault-name my-vault -n web-tls --query policy",
    "keyhold certificate show --id https://my-vault.vault.azure.net/certificates/web-tls/$VERSION",
  ],
  "certificate download": [
    "keyhold certificate download --vault-name my-vault -n web-tls --file web-tls.pem",
    "keyhold certificate download --vault-name my-vault -n web-tls --file web-tls.cer --encoding DER",
  ],
  "certificate set-attributes": [
    "keyhold certificate set-attributes --vault-name my-vault -n web-tls --enabled false",
    `keyhold certificate set-attributes --vault-name my-vault -n web-tls --policy '{"x509_certificate_properties":{"validity_in_months":6}}'`,
  ],
  "certificate get-default-policy": ["keyhold certificate get-default-policy > policy.json"],
  "certificate list": [
    "keyhold certificate list --vault-name my-vault -o table",
    "keyhold certificate list --vault-name my-vault --include-pending",
  ],
  "certificate list-versions": ["keyhold certificate list-versions --vault-name my-vault -n web-tls -o table"],
  "certificate delete": ["keyhold certificate delete --vault-name my-vault -n web-tls"],
  "certificate recover": ["keyhold certificate recover --vault-name my-vault -n web-tls"],
  "certificate purge": ["keyhold certificate purge --vault-name my-vault -n web-tls"],
  "certificate list-deleted": ["keyhold certificate list-deleted --vault-name my-vault -o table"],
  "certificate show-deleted": ["keyhold certificate show-deleted --vault-name my-vault -n web-tls"],
  "certificate backup": ["keyhold certificate backup --vault-name my-vault -n web-tls --file web-tls.backup"],
  "certificate restore": ["keyhold certificate restore --vault-name my-vault --file web-tls.backup"],
  "certificate pending": [
    "keyhold certificate pending show --vault-name my-vault -n ext-tls --query csr -o tsv",
    "keyhold certificate pending merge --vault-name my-vault -n ext-tls --file signed-chain.pem",
  ],
  "certificate pending show": ["keyhold certificate pending show --vault-name my-vault -n ext-tls --query csr -o tsv"],
  "certificate pending merge": ["keyhold certificate pending merge --vault-name my-vault -n ext-tls --file signed-chain.pem"],
  "certificate pending cancel": ["keyhold certificate pending cancel --vault-name my-vault -n ext-tls"],
  "certificate pending delete": ["keyhold certificate pending delete --vault-name my-vault -n ext-tls"],
  "certificate contact": [
    "keyhold certificate contact add --vault-name my-vault --email ops@example.com --name Ops",
    "keyhold certificate contact list --vault-name my-vault -o table",
  ],
  "certificate contact add": ["keyhold certificate contact add --vault-name my-vault --email ops@example.com --name Ops --phone 555-0100"],
  "certificate contact list": ["keyhold certificate contact list --vault-name my-vault -o table"],
  "certificate contact delete": ["keyhold certificate contact delete --vault-name my-vault --email ops@example.com"],
  "certificate issuer": [
    "keyhold certificate issuer create --vault-name my-vault --issuer-name internal-ca --provider-name Keyhold",
    "keyhold certificate issuer list --vault-name my-vault -o table",
  ],
  "certificate issuer create": [
    "keyhold certificate issuer create --vault-name my-vault --issuer-name internal-ca --provider-name Keyhold",
  ],
  "certificate issuer update": ["keyhold certificate issuer update --vault-name my-vault --issuer-name internal-ca --enabled false"],
  "certificate issuer show": ["keyhold certificate issuer show --vault-name my-vault --issuer-name internal-ca"],
  "certificate issuer list": ["keyhold certificate issuer list --vault-name my-vault -o table"],
  "certificate issuer delete": ["keyhold certificate issuer delete --vault-name my-vault --issuer-name internal-ca"],
  "certificate ca": ["keyhold certificate ca show --file keyhold-ca.pem"],
  "certificate ca show": ["keyhold certificate ca show --file keyhold-ca.pem", "NODE_EXTRA_CA_CERTS=keyhold-ca.pem node client.js"],
};
