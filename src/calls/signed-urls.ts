import { createHmac, timingSafeEqual } from "node:crypto";

export type ArtifactKind = "log" | "recording" | "recording_multi" | "pcap";

const PATHS: Readonly<Record<ArtifactKind, string>> = {
  log: "log.json",
  recording: "recording.wav",
  recording_multi: "recording-multichannel.wav",
  pcap: "capture.pcap",
};

/** Signs and checks the expiring URLs of a call's artifacts (log, recordings, PCAP). */
export class ArtifactUrls {
  constructor(
    private readonly baseUrl: () => string,
    private readonly key: Buffer,
    private readonly ttlMs = 86_400_000,
  ) {}

  /** The path of an artifact, relative to the HTTP root. */
  static path(callId: string, kind: ArtifactKind): string {
    return `/artifacts/${encodeURIComponent(callId)}/${PATHS[kind]}`;
  }

  /** The kind named by a file part of an artifact path. */
  static kindOf(file: string): ArtifactKind | undefined {
    return (Object.keys(PATHS) as ArtifactKind[]).find((k) => PATHS[k] === file);
  }

  /** An absolute URL valid until now + ttl. */
  url(callId: string, kind: ArtifactKind, now = Date.now()): string {
    const expires = now + this.ttlMs;
    return `${this.baseUrl()}${ArtifactUrls.path(callId, kind)}?expires=${expires}&sig=${this.sign(callId, kind, expires)}`;
  }

  /** True when the signature matches and has not expired. */
  check(callId: string, kind: ArtifactKind, expires: number, sig: string, now = Date.now()): boolean {
    if (!Number.isFinite(expires) || expires < now) return false;
    const want = Buffer.from(this.sign(callId, kind, expires));
    const got = Buffer.from(sig);
    return want.length === got.length && timingSafeEqual(want, got);
  }

  private sign(callId: string, kind: ArtifactKind, expires: number): string {
    return createHmac("sha256", this.key).update(`${callId}\n${kind}\n${expires}`).digest("base64url");
  }
}
