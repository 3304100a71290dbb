import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An outside CA made with the openssl command line, as a team's own CA would sign a Key Vault CSR. */
export class OpensslCa {
  readonly dir = mkdtempSync(join(tmpdir(), "keyhold-ca-"));
  constructor() {
    const ca = ["-subj", "/CN=Outside Test CA", "-days", "30", "-nodes"];
    this.run("req", "-x509", "-newkey", "rsa:2048", ...ca, "-keyout", this.path("ca.key"), "-out", this.path("ca.pem"));
    this.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", this.path("other.key"));
  }
  path(file: string): string {
    return join(this.dir, file);
  }
  run(...args: string[]): Buffer {
    return execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
  }
  /** Signs a CSR given as Key Vault's base64 DER; the certificate as PEM, its extensions copied from the request. */
  sign(csrBase64: string): string {
    const csr = `-----BEGIN CERTIFICATE REQUEST-----\n${csrBase64.match(/.{1,64}/g)!.join("\n")}\n-----END CERTIFICATE REQUEST-----\n`;
    writeFileSync(this.path("req.csr"), csr);
    return this.run(
      "x509",
      "-req",
      "-in",
      this.path("req.csr"),
      "-CA",
      this.path("ca.pem"),
      "-CAkey",
      this.path("ca.key"),
      "-days",
      "20",
      "-copy_extensions",
      "copy",
    ).toString();
  }
  get caPem(): string {
    return readFileSync(this.path("ca.pem"), "utf8");
  }
  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
