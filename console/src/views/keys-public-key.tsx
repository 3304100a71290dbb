import { useConsole } from "../context.js";
import { pemAvailable, publicJwkToPem } from "../keys-pem.js";
import { ErrorNotice, Loading, download, lastPart, useAction, useLoad } from "../ui.js";
import type { KeyBundle } from "./keys.js";

/** A version's public key as the JWK Key Vault answers, downloadable as that JWK or as a PEM the browser writes. */
export function PublicKeyPanel({ vaultName, path, fileName }: { vaultName: string; path: string; fileName: string }) {
  const { api } = useConsole();
  const bundle = useLoad(() => api.vault<KeyBundle>(vaultName, "GET", path), [vaultName, path]);
  const pem = useAction();
  const jwk = bundle.data?.key;
  return (
    <section class="panel" aria-labelledby="public-key-title">
      <h3 id="public-key-title">Public key of version {lastPart(path)}</h3>
      <ErrorNotice error={bundle.error} />
      {!jwk && !bundle.error ? <Loading /> : null}
      {jwk ? (
        <>
          <pre class="key-jwk" role="region" aria-label="Public key JWK" tabIndex={0}>
            {JSON.stringify(jwk, null, 2)}
          </pre>
          <div class="actions">
            <button type="button" onClick={() => download(`${fileName}.jwk.json`, JSON.stringify(jwk, null, 2), "application/json")}>
              Download JWK
            </button>
            {pemAvailable(jwk) ? (
              <button
                type="button"
                disabled={pem.busy}
                onClick={() => void pem.run(async () => download(`${fileName}.pem`, await publicJwkToPem(jwk), "application/x-pem-file"))}
              >
                Download PEM
              </button>
            ) : (
              <span class="muted">The browser cannot write {jwk.crv ?? jwk.kty} keys as PEM; use the JWK.</span>
            )}
          </div>
          <ErrorNotice error={pem.error} />
        </>
      ) : null}
    </section>
  );
}
