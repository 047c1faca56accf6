/**
 * At-rest encryption for the few secrets Parley must read back (trunk passwords, the webhook
 * signing key): AES-256-GCM with a random 96-bit IV, bound to where the value lives (AAD) so a
 * ciphertext copied into another row or column does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { StoreError } from "./types.js";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new StoreError("invalid", `the store's secretKey must be 32 bytes (got ${key.length})`);
    this.#key = Buffer.from(key);
  }

  /** Encrypts `plaintext` for the slot named by `context` (e.g. "phone_numbers.auth_password:+1555…"). */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** Decrypts a sealed value; throws when the key, the context or the bytes are wrong. */
  open(sealed: string, context: string): string {
    const [version, b64] = sealed.split(".", 2);
    if (version !== VERSION || b64 === undefined) throw new StoreError("invalid", `unknown secret format in ${context}`);
    const raw = Buffer.from(b64, "base64");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new StoreError("invalid", `truncated secret in ${context}`);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new StoreError("invalid", `cannot decrypt the secret in ${context}: wrong secretKey or tampered data`);
    }
  }
}
