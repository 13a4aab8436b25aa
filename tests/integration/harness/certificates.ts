/**
 * Keys and certificates of one test control plane, made with the openssl command line: a CA of its own, the API
 * server's serving certificate, an admin client certificate and the ServiceAccount token signing key.
 *
 * @packageDocumentation
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Paths of the PEM files {@link makeControlPlaneKeys} wrote. */
export interface ControlPlaneKeys {
  /** The cluster CA, which issued the two certificates below and is the API server's client CA. */
  readonly caCert: string;
  /** The API server's serving certificate and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** The admin client certificate (`CN=admin, O=system:masters`) and its key. */
  readonly adminCert: string;
  readonly adminKey: string;
  /** The key pair that signs and verifies ServiceAccount tokens. */
  readonly saKey: string;
  readonly saPub: string;
}

/**
 * Makes the keys of control plane `name` in `<dir>/pki`: a new CA (`CN=<name>-ca`), a serving certificate
 * (`CN=<name>-apiserver`) valid for `serverAltNames` (subjectAltName entries such as `IP:127.0.0.1` or
 * `DNS:kubernetes`), the admin client certificate and the ServiceAccount key pair.
 */
export async function makeControlPlaneKeys(
  dir: string,
  name: string,
  serverAltNames: readonly string[],
): Promise<ControlPlaneKeys> {
  const pki = path.join(dir, 'pki');
  await fs.mkdir(pki, { recursive: true });
  const cnf = path.join(pki, 'openssl.cnf');
  await fs.writeFile(cnf, opensslConfig(serverAltNames));
  const p = (f: string) => path.join(pki, f);
  const days = '3650';

  await openssl(pki, ['genrsa', '-out', p('ca.key'), '2048']);
  await openssl(pki, [
    'req',
    '-x509',
    '-new',
    '-key',
    p('ca.key'),
    '-subj',
    `/CN=${name}-ca`,
    '-days',
    days,
    '-config',
    cnf,
    '-extensions',
    'ca_ext',
    '-out',
    p('ca.crt'),
  ]);

  const issue = async (base: string, subj: string, ext: string) => {
    await openssl(pki, ['genrsa', '-out', p(`${base}.key`), '2048']);
    await openssl(pki, [
      'req',
      '-new',
      '-key',
      p(`${base}.key`),
      '-subj',
      subj,
      '-config',
      cnf,
      '-out',
      p(`${base}.csr`),
    ]);
    await openssl(pki, [
      'x509',
      '-req',
      '-in',
      p(`${base}.csr`),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      days,
      '-extfile',
      cnf,
      '-extensions',
      ext,
      '-out',
      p(`${base}.crt`),
    ]);
  };
  await issue('apiserver', `/CN=${name}-apiserver`, 'server_ext');
  // system:masters is bound to cluster-admin by the API server's bootstrap RBAC policy.
  await issue('admin', '/O=system:masters/CN=admin', 'client_ext');

  await openssl(pki, ['genrsa', '-out', p('sa.key'), '2048']);
  await openssl(pki, ['rsa', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub')]);

  return {
    caCert: p('ca.crt'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

// A config file of our own, rather than openssl's system one, so the extensions do not depend on how the
// distribution configured openssl.
function opensslConfig(serverAltNames: readonly string[]): string {
  return `
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = ${serverAltNames.join(',')}
authorityKeyIdentifier = keyid
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}
