// Certificates made at test time with the openssl command (never stored in the repository): a
// CA, server certificates it signs for given subjectAltNames, and a second, unrelated CA. EC
// P-256 keys (fast to make), valid for two days. .ci/run installs Debian's openssl if missing.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface TestCa {
  readonly name: string;
  readonly cert: string;
  readonly key: string;
  /** The certificate, PEM text. */
  readonly pem: string;
}

export interface TestServer {
  /** The server certificate followed by its CA's (the whole chain, as the device's TLS needs). */
  readonly certfile: string;
  readonly keyfile: string;
}

function openssl(args: readonly string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error !== undefined) throw new Error("openssl is not installed: the TLS tests make their certificates with it. Install it with `sudo apt-get install -y openssl` (.ci/run does this).");
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export function makeCa(dir: string, name: string): TestCa {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  openssl(["req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  return { name, cert, key, pem: readFileSync(cert, "utf8") };
}

/** A server certificate signed by `ca` for `altNames` (e.g. "IP:127.0.0.1", "DNS:broker.example"). */
export function makeServer(dir: string, ca: TestCa, name: string, altNames: readonly string[]): TestServer {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(ext, `subjectAltName=${altNames.join(",")}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(["req", ...EC, "-keyout", key, "-out", csr, "-subj", `/CN=${name}`], dir);
  openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext], dir);
  const certfile = path.join(dir, `${name}-chain.pem`);
  writeFileSync(certfile, readFileSync(cert, "utf8") + ca.pem);
  return { certfile, keyfile: key };
}
