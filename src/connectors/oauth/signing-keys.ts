import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { insertServerKey, listServerKeys } from '../../db/connections.ts';
import { open, seal, type MasterKeyring } from '../../vault/crypto.ts';

const PURPOSE = 'client-assertion';
const ALG = 'RS384';
const PARAMS = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' } as const;

type PublicJwk = { kty: string; n: string; e: string; kid: string; alg: string; use: string };

/** RFC 7638 thumbprint of an RSA public key, used as its `kid`. */
function thumbprint(jwk: { e?: string; n?: string }): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
}

/**
 * The gateway's key pair for `private_key_jwt` client authentication (RS384, which Epic
 * accepts). The private key is stored as PKCS#8 sealed with a secret derived from the master
 * key, so the database alone never holds it in clear; the public half is served at
 * `/.well-known/jwks.json`. After a master-key rotation the old key can no longer be opened
 * and a new one is made: providers fetch the JWKS by URL, so they follow.
 */
export class ClientSigningKeys {
  private current?: Promise<{ key: CryptoKey; kid: string }>;
  private readonly secret: Buffer;

  constructor(
    private readonly db: Kysely<Database>,
    keyring: MasterKeyring,
  ) {
    this.secret = keyring.deriveSecret('server-keys/client-assertion/v1');
  }

  /** The private key and kid to sign client assertions with (created on first use). */
  signingKey(): Promise<{ key: CryptoKey; kid: string }> {
    this.current ??= this.loadOrCreate().catch((e) => {
      this.current = undefined;
      throw e;
    });
    return this.current;
  }

  /** The public key set: every stored key, so a just-replaced kid still verifies for a while. */
  async jwks(): Promise<{ keys: PublicJwk[] }> {
    await this.signingKey();
    const rows = await listServerKeys(this.db, PURPOSE);
    return { keys: rows.map((r) => JSON.parse(r.public_jwk) as PublicJwk) };
  }

  private async loadOrCreate(): Promise<{ key: CryptoKey; kid: string }> {
    for (const row of await listServerKeys(this.db, PURPOSE)) {
      try {
        const pkcs8 = open(this.secret, row.private_enc, `server-key:${row.kid}`);
        const key = await crypto.subtle.importKey('pkcs8', new Uint8Array(pkcs8), PARAMS, false, ['sign']);
        return { key, kid: row.kid };
      } catch {
        // Sealed under an earlier master key: unusable now; a fresh key follows.
      }
    }
    const pair = (await crypto.subtle.generateKey({ ...PARAMS, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
    const kid = thumbprint(pub);
    const pkcs8 = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const publicJwk: PublicJwk = { kty: 'RSA', n: pub.n!, e: pub.e!, kid, alg: ALG, use: 'sig' };
    await insertServerKey(this.db, { kid, purpose: PURPOSE, alg: ALG, publicJwk: JSON.stringify(publicJwk), privateEnc: seal(this.secret, pkcs8, `server-key:${kid}`) });
    return { key: pair.privateKey, kid };
  }
}
