// The two AudioWorklet processors, shipped as source text and loaded from a Blob URL so the SDK
// stays one file with no separate worklet asset to host.

/** Registered processor names. */
export const CAPTURE_PROCESSOR = "parley-capture";
export const PLAYBACK_PROCESSOR = "parley-playback";

/**
 * capture: mic float samples → PCM16 frames of `frameSamples`, posted as transferable buffers
 * (silence when the input has no channel, so the server's media timeout means "no client").
 * playback: PCM16 chunks → a jitter buffer that starts after `prebufferSamples` (or once the
 * first chunk has waited that long), re-buffers on underrun, and reports talking start/stop.
 */
export const WORKLET_SOURCE = `
class ParleyCapture extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.size = options.processorOptions.frameSamples;
    this.buf = new Int16Array(this.size);
    this.fill = 0;
  }
  process(inputs, outputs) {
    const ch = inputs[0] && inputs[0][0];
    const n = ch ? ch.length : 128;
    for (let i = 0; i < n; i++) {
      let s = ch ? ch[i] : 0;
      s = s > 1 ? 1 : s < -1 ? -1 : s;
      this.buf[this.fill++] = s < 0 ? s * 32768 : s * 32767;
      if (this.fill === this.size) {
        this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
        this.buf = new Int16Array(this.size);
        this.fill = 0;
      }
    }
    for (const out of outputs[0] || []) out.fill(0);
    return true;
  }
}

class ParleyPlayback extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.prebuffer = options.processorOptions.prebufferSamples;
    this.idleStop = options.processorOptions.idleStopSamples;
    this.queue = [];
    this.offset = 0;
    this.queued = 0;
    this.playing = false;
    this.waited = 0;
    this.empty = 0;
    this.talking = false;
    this.port.onmessage = (e) => {
      if (e.data === "clear") {
        this.queue = [];
        this.offset = 0;
        this.queued = 0;
        this.playing = false;
        this.waited = 0;
        if (this.talking) {
          this.talking = false;
          this.port.postMessage("agent_stop_talking");
        }
        return;
      }
      const pcm = new Int16Array(e.data);
      if (pcm.length === 0) return;
      this.queue.push(pcm);
      this.queued += pcm.length;
    };
  }
  process(inputs, outputs) {
    const out = outputs[0];
    const first = out[0];
    if (!first) return true;
    const n = first.length;
    if (!this.playing && this.queued > 0) {
      this.waited += n;
      if (this.queued >= this.prebuffer || this.waited >= this.prebuffer) this.playing = true;
    }
    let played = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      if (this.playing && this.queued > 0) {
        const head = this.queue[0];
        v = head[this.offset++] / 32768;
        this.queued--;
        played++;
        if (this.offset === head.length) {
          this.queue.shift();
          this.offset = 0;
        }
      }
      first[i] = v;
    }
    for (let c = 1; c < out.length; c++) out[c].set(first);
    if (played > 0) {
      this.empty = 0;
      if (!this.talking) {
        this.talking = true;
        this.port.postMessage("agent_start_talking");
      }
    } else {
      this.empty += n;
      if (this.talking && this.empty >= this.idleStop) {
        this.talking = false;
        this.port.postMessage("agent_stop_talking");
      }
    }
    if (this.queued === 0 && this.playing) {
      // Underrun: wait for the buffer to refill before playing again, rather than crackling.
      this.playing = false;
      this.waited = 0;
    }
    return true;
  }
}

registerProcessor("parley-capture", ParleyCapture);
registerProcessor("parley-playback", ParleyPlayback);
`;
